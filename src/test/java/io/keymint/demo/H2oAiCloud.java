package io.keymint.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * H2O AI Cloud: a Keycloak realm {@code hac} with the public client {@code hac-platform-public}; a
 * user's platform token is their offline token of that client. Refresh tokens rotate: each one
 * works once ({@code revokeRefreshToken}).
 */
final class H2oAiCloud implements Platform {

  static final String USER = "jordan";
  private TestRealm hac;
  private String platformToken;

  @Override
  public String sample() {
    return "h2o";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    hac = keycloak.realm("hac", realm -> {
      realm.setRevokeRefreshToken(true);
      realm.setRefreshTokenMaxReuse(0);
    });
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId("hac-platform-public");
    client.setPublicClient(true);
    client.setFullScopeAllowed(false); // tokens carry no roles but the ones mapped, as Keymint's clients with a login flow
    client.setDirectAccessGrantsEnabled(true); // H2O's UI signs users in with a browser; the demo uses their password
    hac.admin().clients().create(client).close();
    hac.createUser(USER);
    platformToken = hac.password("hac-platform-public", null, USER, TestRealm.passwordOf(USER), "offline_access")
        .refreshToken();
    if (platformToken == null) {
      throw new IllegalStateException("the hac realm gave " + USER + " no offline token");
    }
    KeymintFixture.SECRETS_SEEN.add(platformToken);
    return LINE.formatted("H2O AI Cloud", "realm hac as auth.cloud.h2o.ai's: public client hac-platform-public, user " + USER
        + ", refresh tokens rotate; the demo sets tokenUrl, and " + USER + "'s platform token in h2o-platform-token");
  }

  @Override
  public void override(Sample document, KubernetesClient api) {
    switch (document.id()) {
      case "Secret/h2o-platform-token" -> document.stringData().put("token", platformToken);
      case "PlatformToken/h2o" -> document.spec().put("tokenUrl", hac.tokenUrl());
      default -> { }
    }
  }
}
