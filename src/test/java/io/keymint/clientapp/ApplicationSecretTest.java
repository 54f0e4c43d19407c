package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.clientapp.ClientApplicationSpec.ClientAuthentication;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What an application's Secret holds, by kind of client; ServiceAccount applications hold no credential. */
class ApplicationSecretTest {

  @ParameterizedTest(name = "public={0} {1}: {2}")
  @CsvSource(delimiter = '|', value = {
      "false | ClientSecret   | client_id issuer_url token_url realm client_secret",
      "false |                | client_id issuer_url token_url realm client_secret",
      "false | PrivateKeyJwt  | client_id issuer_url token_url realm private_key key_id token_endpoint_auth_method",
      "false | ServiceAccount | client_id issuer_url token_url realm token_endpoint_auth_method audience",
      "true  |                | client_id issuer_url token_url realm",
      "true  | ClientSecret   | client_id issuer_url token_url realm"})
  void keysByKindOfClient(boolean publicClient, ClientAuthentication authentication, String keys) {
    assertThat(ApplicationSecret.keysOf(publicClient, authentication)).containsExactly(keys.split(" "));
    assertThat(ApplicationSecret.KEYS).containsAll(ApplicationSecret.keysOf(publicClient, authentication));
  }

  @org.junit.jupiter.api.Test
  void aServiceAccountApplicationsSecretSaysHowToAuthenticateAndHoldsNoCredential() {
    Credential credential = Credentials.serviceAccount(new ServiceAccountBinding("team-a", "scorer"),
        "https://kc.example/realms/apps");
    Map<String, String> data = ApplicationSecret.data("team-a.scorer", credential.data(), "https://kc.example/realms/apps",
        "https://kc.example/realms/apps/protocol/openid-connect/token", "apps");
    assertThat(data).containsExactly(
        Map.entry("client_id", "team-a.scorer"),
        Map.entry("token_endpoint_auth_method", "federated_jwt"),
        Map.entry("audience", "https://kc.example/realms/apps"),
        Map.entry("issuer_url", "https://kc.example/realms/apps"),
        Map.entry("token_url", "https://kc.example/realms/apps/protocol/openid-connect/token"),
        Map.entry("realm", "apps"));
    assertThat(data.keySet()).doesNotContainAnyElementsOf(List.of("client_secret", "private_key", "key_id"));
    assertThat(data.keySet()).containsExactlyInAnyOrderElementsOf(
        ApplicationSecret.keysOf(false, ClientAuthentication.ServiceAccount));
    assertThat(credential.bookkeeping()).containsExactly(Map.entry("keymint.io/service-account", "scorer"));
    assertThat(credential.rotatedAt()).isNull();
    assertThat(credential.nextChange()).as("nothing to rotate or end").isNull();
  }
}
