package io.keymint.demo;

/**
 * Run:ai applications and their tokens are Keymint's own ClientApplications and AppTokens: the
 * sample runs as it is, in Keymint's realm, which has the roles the sample grants.
 */
final class RunAi implements Platform {

  @Override
  public String sample() {
    return "runai";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    keycloak.keymintRealm().createRealmRole("researcher");
    keycloak.keymintRealm().createClientWithRoles("model-registry", "viewer", "editor");
    return LINE.formatted("Run:ai", "realm " + LocalKeycloak.KEYMINT_REALM
        + " with realm role researcher and client model-registry (viewer); the sample as it is");
  }
}
