package io.keymint.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.api.AuthMethod;
import io.keymint.kube.ReconcileException;
import io.keymint.observe.KeymintMetrics;
import io.keymint.token.TokenUrlPolicy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TokenEndpointTest {

  @ParameterizedTest
  @CsvSource({"invalid_grant,InvalidGrant", "invalid_client,InvalidClient", "invalid_scope,InvalidScope",
      "unauthorized_client,UnauthorizedClient", "unsupported_grant_type,UnsupportedGrantType",
      "'<script>',UnrecognisedError"})
  void rfc6749ErrorCodesBecomeReasons(String error, String reason) {
    assertThat(TokenEndpoint.reasonOf(error)).isEqualTo(reason);
  }

  @Test
  void retryAfterInSecondsOrAsADateCappedAtAnHour() {
    TokenEndpoint endpoint = new TokenEndpoint(java.time.Clock.fixed(java.time.Instant.parse("2026-11-23T10:00:00Z"),
        java.time.ZoneOffset.UTC), new io.keymint.observe.KeymintMetrics(), new TokenUrlPolicy(List.of(), false), null);
    assertThat(endpoint.retryAfter("120")).hasSeconds(120);
    assertThat(endpoint.retryAfter("Mon, 23 Nov 2026 10:05:00 GMT")).hasSeconds(300);
    assertThat(endpoint.retryAfter("86400")).hasSeconds(3600);
    assertThat(endpoint.retryAfter("Mon, 23 Nov 2026 09:00:00 GMT")).as("in the past").isNull();
    assertThat(endpoint.retryAfter("soon")).isNull();
    assertThat(endpoint.retryAfter(null)).isNull();
  }

  @Test
  void jwtClaimsAndAudiences() {
    String payload = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"exp\":1795419584,\"aud\":[\"a\",\"b\"],\"azp\":\"c\"}".getBytes());
    Map<String, Object> claims = Jwt.claims("h." + payload + ".s");
    assertThat(claims).containsEntry("azp", "c");
    assertThat(Jwt.audiences(claims)).containsExactly("a", "b");
    assertThat(Jwt.audiences(Map.of("aud", "single"))).containsExactly("single");
    assertThat(Jwt.audiences(Map.of())).isEmpty();
  }

  @Test
  void opaqueTokensHaveNoClaims() {
    assertThat(Jwt.claims("opaque-token")).isEmpty();
    assertThat(Jwt.claims("a.not-base64!.c")).isEmpty();
    assertThat(Jwt.claims(null)).isEmpty();
  }

  @Test
  void requestsAndResponsesNeverPrintSecrets() {
    TokenRequest request = TokenRequest.password(java.net.URI.create("https://idp/token"),
        ClientAuthentication.secret("cli", "client-secret-x", AuthMethod.ClientSecretBasic), "alice", "password-y", null);
    assertThat(request.toString()).contains("password", "cli").doesNotContain("client-secret-x", "password-y", "alice");
    TokenResponse response = new TokenResponse("access-z", "Bearer", null, null, null, "id-w", "refresh-v", null, List.of());
    assertThat(response.toString()).doesNotContain("access-z", "id-w", "refresh-v");
  }

  @ParameterizedTest(name = "{0} under {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      http://127.0.0.1:8180/realms/apps/protocol/openid-connect/token   | http://127.0.0.1:8180       | true
      http://127.0.0.1:8180                                             | http://127.0.0.1:8180       | true
      HTTP://127.0.0.1:8180/realms/a/token                              | http://127.0.0.1:8180       | true
      http://127.0.0.1:8181/realms/apps/protocol/openid-connect/token   | http://127.0.0.1:8180       | false
      https://127.0.0.1:8180/realms/apps/token                          | http://127.0.0.1:8180       | false
      http://localhost:8180/realms/apps/token                           | http://127.0.0.1:8180       | false
      http://user@127.0.0.1:8180/realms/apps/token                      | http://127.0.0.1:8180       | false
      https://kc.example/auth/realms/apps/token                         | https://kc.example/auth     | true
      https://kc.example:443/auth/realms/apps/token                     | https://kc.example/auth     | true
      https://KC.example/auth/realms/apps/token                         | https://kc.example/auth/    | true
      https://kc.example/authx/realms/apps/token                        | https://kc.example/auth     | false
      https://kc.example/auth/../metadata/token                         | https://kc.example/auth     | false
      https://kc.example/realms/apps/token                              | https://kc.example/auth     | false
      https://kc.example.evil.io/auth/realms/apps/token                 | https://kc.example/auth     | false
      """)
  void onlyKeymintsOwnKeycloakIsExempt(String url, String keycloak, boolean exempt) {
    TokenEndpoint endpoint = new TokenEndpoint(Clock.systemUTC(), new KeymintMetrics(), new TokenUrlPolicy(List.of(), true),
        keycloak);
    assertThat(endpoint.underKeycloak(URI.create(url))).isEqualTo(exempt);
  }

  @ParameterizedTest
  @CsvSource({"https://169.254.169.254/latest/meta-data/iam/security-credentials", "https://10.1.2.3/token",
      "https://[::1]/token", "https://127.0.0.1:8180/realms/apps/protocol/openid-connect/token", "https://0.0.0.0/token",
      "https://224.0.0.1/token", "https://[::ffff:169.254.169.254]/token"})
  void internalAddressesAreRefusedBeforeAnythingIsSent(String url) {
    TokenEndpoint endpoint = new TokenEndpoint(Clock.systemUTC(), new KeymintMetrics(), new TokenUrlPolicy(List.of(), false),
        "http://127.0.0.1:8180"); // the same address, another scheme: not Keymint's Keycloak
    TokenRequest request = TokenRequest.clientCredentials(URI.create(url),
        ClientAuthentication.secret("team-a", "client-secret-x", AuthMethod.ClientSecretBasic), null);
    assertThatThrownBy(() -> endpoint.request(request)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo("TokenEndpointNotAllowed");
      assertThat(e.isRetryable()).isFalse();
      assertThat(e.getMessage()).contains("KEYMINT_TOKEN_URL_HOSTS").doesNotContain("client-secret-x");
    });
    assertThat(endpoint.requestCount()).isZero();
  }

  @Test
  void urlsReadFromSecretsPassTheSameUrlRules() {
    TokenEndpoint endpoint = new TokenEndpoint(Clock.systemUTC(), new KeymintMetrics(),
        new TokenUrlPolicy(List.of("idp.example"), false), "https://kc.example");
    for (String url : List.of("http://idp.example/token", "https://other.example/token", "https://u:p@kc.example/token")) {
      assertThatThrownBy(() -> endpoint.request(TokenRequest.clientCredentials(URI.create(url),
          ClientAuthentication.secret("c", "s", AuthMethod.ClientSecretBasic), null))).isInstanceOf(ReconcileException.class);
    }
    assertThat(endpoint.requestCount()).isZero();
  }

  @Test
  void anAnswerOverOneMebibyteIsNotReadFurther() {
    TokenEndpoint.BoundedBody body = new TokenEndpoint.BoundedBody(TokenEndpoint.MAX_BODY_BYTES, -1);
    FakeSubscription subscription = new FakeSubscription();
    body.onSubscribe(subscription);
    assertThat(subscription.requested).isPositive();
    for (int i = 0; i < 64 && !subscription.cancelled; i++) { // up to 2 MiB in 32 KiB chunks
      body.onNext(List.of(ByteBuffer.allocate(32 * 1024)));
    }
    assertThat(subscription.cancelled).as("reading stopped").isTrue();
    TokenEndpoint.Body result = body.getBody().toCompletableFuture().join();
    assertThat(result.tooLarge()).isTrue();
    assertThat(result.bytes()).isEmpty();

    TokenEndpoint.BoundedBody declared = new TokenEndpoint.BoundedBody(TokenEndpoint.MAX_BODY_BYTES, 2L * 1024 * 1024);
    FakeSubscription unread = new FakeSubscription();
    declared.onSubscribe(unread);
    assertThat(unread.requested).as("a declared 2 MiB body is not read at all").isZero();
    assertThat(unread.cancelled).isTrue();
    assertThat(declared.getBody().toCompletableFuture().join().tooLarge()).isTrue();
    assertThat(TokenEndpoint.TOO_LARGE_MESSAGE).isEqualTo("the token endpoint answer is larger than 1 MiB");
  }

  @Test
  void anAnswerOfExactlyOneMebibyteIsRead() {
    TokenEndpoint.BoundedBody body = new TokenEndpoint.BoundedBody(TokenEndpoint.MAX_BODY_BYTES, TokenEndpoint.MAX_BODY_BYTES);
    FakeSubscription subscription = new FakeSubscription();
    body.onSubscribe(subscription);
    for (int i = 0; i < 32; i++) {
      body.onNext(List.of(ByteBuffer.allocate(32 * 1024)));
    }
    body.onComplete();
    assertThat(subscription.cancelled).isFalse();
    assertThat(body.getBody().toCompletableFuture().join().bytes()).hasSize(TokenEndpoint.MAX_BODY_BYTES);
  }

  @Test
  void messagesShowTheEndpointWithoutItsQuery() {
    TokenRequest request = TokenRequest.clientCredentials(URI.create("https://u:pw@idp.example:8443/token?api_key=k-123#f"),
        ClientAuthentication.secret("c", "s", AuthMethod.ClientSecretBasic), null);
    assertThat(request.endpoint()).isEqualTo("https://idp.example:8443/token");
    assertThat(request.toString()).doesNotContain("k-123", "pw");
  }

  private static final class FakeSubscription implements Flow.Subscription {
    long requested;
    boolean cancelled;

    @Override
    public void request(long n) {
      requested += n;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }
}
