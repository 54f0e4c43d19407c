package io.keymint.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.util.UUID;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * Wallaroo: its Keycloak's confidential client {@code api-client}. A user's token comes from the
 * password grant with that client's secret; the inference token from its client_credentials grant.
 */
final class Wallaroo implements Platform {

  static final String CLIENT = "api-client";
  static final String USER = "data-scientist";
  private TestRealm realm;
  private final String clientSecret = UUID.randomUUID().toString();

  @Override
  public String sample() {
    return "wallaroo";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    KeymintFixture.SECRETS_SEEN.add(clientSecret);
    realm = keycloak.realm("wallaroo", settings -> {});
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(CLIENT);
    client.setPublicClient(false);
    client.setFullScopeAllowed(false); // tokens carry no roles but the ones mapped, as Keymint's clients with a login flow
    client.setSecret(clientSecret);
    client.setServiceAccountsEnabled(true);
    client.setDirectAccessGrantsEnabled(true);
    client.setStandardFlowEnabled(false);
    realm.admin().clients().create(client).close();
    realm.createUser(USER);
    return LINE.formatted("Wallaroo", "realm wallaroo as keycloak.wallaroo.example's master: confidential client " + CLIENT
        + ", user " + USER + "; the demo sets tokenUrls and clientId, and credentials in wallaroo-client, wallaroo-user");
  }

  @Override
  public void override(Sample document, KubernetesClient api) {
    switch (document.id()) {
      case "Secret/wallaroo-client" -> document.stringData().put("client_id", CLIENT).put("client_secret", clientSecret);
      case "Secret/wallaroo-user" -> document.stringData().put("username", USER)
          .put("password", TestRealm.passwordOf(USER));
      case "AppToken/wallaroo-inference" -> document.spec().withObjectProperty("clientCredentials")
          .put("tokenUrl", realm.tokenUrl());
      case "PlatformToken/wallaroo-user" -> document.spec().put("tokenUrl", realm.tokenUrl()).put("clientId", CLIENT);
      default -> { }
    }
  }
}
