package io.keymint.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.List;
import java.util.Map;
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
        java.time.ZoneOffset.UTC), new io.keymint.observe.KeymintMetrics());
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
    TokenRequest request = TokenRequest.password(java.net.URI.create("https://idp/token"), "cli", "client-secret-x",
        io.keymint.api.AuthMethod.ClientSecretBasic, "alice", "password-y", null);
    assertThat(request.toString()).contains("password", "cli").doesNotContain("client-secret-x", "password-y", "alice");
    TokenResponse response = new TokenResponse("access-z", "Bearer", null, null, null, "id-w", "refresh-v", null, List.of());
    assertThat(response.toString()).doesNotContain("access-z", "id-w", "refresh-v");
  }
}
