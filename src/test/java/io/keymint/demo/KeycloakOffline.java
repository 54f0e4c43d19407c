package io.keymint.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.clientapp.ClientApplication;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;

/**
 * A Keycloak offline token: a user of Keymint's realm gets it once through the public client Keymint
 * provisioned for ClientApplication {@code cli}, as the sample's comment shows, and puts it into
 * their Secret.
 */
final class KeycloakOffline implements Platform {

  static final String USER = "alice";
  private TestRealm realm;

  @Override
  public String sample() {
    return "keycloak-offline";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    realm = keycloak.keymintRealm();
    realm.createUser(USER);
    return LINE.formatted("Keycloak", "realm " + LocalKeycloak.KEYMINT_REALM + ", user " + USER + "; the demo sets her"
        + " offline token in alice-offline, got as the sample says once Keymint has made client cli");
  }

  /** Her offline token comes from the client Keymint provisions for ClientApplication cli. */
  @Override
  public boolean canApply(Sample document, KubernetesClient api) {
    if (!document.id().equals("Secret/alice-offline")) {
      return true;
    }
    ClientApplication cli = cli(document, api);
    return cli != null && cli.getStatus() != null && cli.getStatus().isReady();
  }

  @Override
  public void override(Sample document, KubernetesClient api) {
    if (document.id().equals("Secret/alice-offline")) {
      String clientId = cli(document, api).getStatus().clientId;
      String offlineToken = realm.password(clientId, null, USER, TestRealm.passwordOf(USER), "openid offline_access").refreshToken();
      if (offlineToken == null) {
        throw new IllegalStateException(clientId + " gave " + USER + " no offline token");
      }
      KeymintFixture.SECRETS_SEEN.add(offlineToken);
      document.stringData().put("token", offlineToken);
    }
  }

  private static ClientApplication cli(Sample document, KubernetesClient api) {
    return api.resources(ClientApplication.class).inNamespace(document.namespace()).withName("cli").get();
  }
}
