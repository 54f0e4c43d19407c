package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.kube.ReconcileException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenUrlPolicyTest {

  @Test
  void anyHttpsHostWhenNoListIsSet() {
    assertThat(new TokenUrlPolicy(List.of(), false).check("https://idp.example/token").getHost()).isEqualTo("idp.example");
  }

  @Test
  void plainHttpOnlyWhenAllowed() {
    assertReason(new TokenUrlPolicy(List.of(), false), "http://idp.example/token", "TokenEndpointNotAllowed", "KEYMINT_ALLOW_HTTP");
    assertThat(new TokenUrlPolicy(List.of(), true).check("http://127.0.0.1:8080/token").getPort()).isEqualTo(8080);
    assertReason(new TokenUrlPolicy(List.of(), true), "ftp://idp.example/token", "TokenEndpointNotAllowed", "https");
  }

  @Test
  void hostsMustBeListedWhenAListIsSet() {
    TokenUrlPolicy policy = new TokenUrlPolicy(List.of("auth.cloud.h2o.ai", "*.wallaroo.example"), false);
    assertThat(policy.check("https://auth.cloud.h2o.ai/auth/realms/hac/protocol/openid-connect/token")).isNotNull();
    assertThat(policy.check("https://keycloak.wallaroo.example/token")).isNotNull();
    assertReason(policy, "https://evil.example/token", "TokenEndpointNotAllowed", "KEYMINT_TOKEN_URL_HOSTS");
    assertReason(policy, "https://wallaroo.example.evil.com/token", "TokenEndpointNotAllowed", "evil");
  }

  @Test
  void malformedUrlsAndEmbeddedCredentialsAreInvalid() {
    TokenUrlPolicy policy = new TokenUrlPolicy(List.of(), false);
    assertReason(policy, "not a url", "InvalidSpec", "not a URL");
    assertReason(policy, "/relative/token", "InvalidSpec", "absolute");
    assertThatThrownBy(() -> policy.check("https://user:hunter2@idp.example/token"))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo("InvalidSpec");
          assertThat(e.getMessage()).doesNotContain("hunter2");
        });
  }

  private static void assertReason(TokenUrlPolicy policy, String url, String reason, String messagePart) {
    assertThatThrownBy(() -> policy.check(url)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.getMessage()).contains(messagePart);
      assertThat(e.isRetryable()).isFalse();
    });
  }
}
