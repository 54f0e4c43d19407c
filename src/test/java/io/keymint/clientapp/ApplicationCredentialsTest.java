package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import io.keymint.kube.ReconcileException;
import io.keymint.oauth.ClientAuthentication;
import io.keymint.testing.TestKeys;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How an application's Secret becomes the way its client authenticates at the token endpoint. */
class ApplicationCredentialsTest {

  private static final URI TOKEN_URL = URI.create("https://kc.example/realms/apps/protocol/openid-connect/token");
  private static final ECKey KEY = TestKeys.ec("2026-11-23T10:15:30Z");

  @Test
  void aPrivateKeyJwtApplicationSignsWithTheKeyAndKeyIdOfItsSecret() throws Exception {
    Map<String, String> data = secret("private_key_jwt");
    data.put("private_key", TestKeys.pkcs8Pem(KEY));
    data.put("key_id", KEY.getKeyID());
    ClientAuthentication client = ApplicationCredentials.clientOf(data, false, "scorer", "scorer-client");
    assertThat(client).isInstanceOf(ClientAuthentication.PrivateKeyJwt.class);
    assertThat(client.clientId()).isEqualTo("team-a-scorer");
    SignedJWT assertion = SignedJWT.parse(client.proof(TOKEN_URL, Instant.now()).form().get("client_assertion"));
    assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(assertion.getHeader().getKeyID()).isEqualTo(KEY.getKeyID());
    assertThat(assertion.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(KEY.toECPublicKey()))).isTrue();
  }

  @Test
  void aClientSecretApplicationUsesBasicAndAPublicOneNamesItself() {
    Map<String, String> confidential = secret(null);
    confidential.put("client_secret", "client-secret-x");
    assertThat(ApplicationCredentials.clientOf(confidential, false, "scorer", "scorer-client"))
        .isInstanceOf(ClientAuthentication.ClientSecretBasic.class);
    assertThat(ApplicationCredentials.clientOf(secret(null), true, "cli", "cli-client"))
        .isInstanceOf(ClientAuthentication.PublicClient.class);
  }

  @Test
  void anUnusableKeyWaitsForTheApplicationAndNamesNoContent() {
    Map<String, String> data = secret("private_key_jwt");
    data.put("private_key", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> ApplicationCredentials.clientOf(data, false, "scorer", "scorer-client"))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo("ClientApplicationNotReady");
          assertThat(e.isRetryable()).isTrue();
          assertThat(e.getMessage()).contains("'scorer-client'", "'scorer'", "private_key").doesNotContain("bm90IGEga2V5");
        });
    data.remove("private_key");
    assertThatThrownBy(() -> ApplicationCredentials.clientOf(data, false, "scorer", "scorer-client"))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("ClientApplicationNotReady"));
  }

  private static Map<String, String> secret(String authMethod) {
    Map<String, String> data = new HashMap<>();
    data.put("client_id", "team-a-scorer");
    data.put("token_url", TOKEN_URL.toString());
    if (authMethod != null) {
      data.put("token_endpoint_auth_method", authMethod);
    }
    return data;
  }
}
