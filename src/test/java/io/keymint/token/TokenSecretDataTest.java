package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.kube.ReconcileException;
import io.keymint.oauth.TokenResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenSecretDataTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:15:30.400Z");

  @Test
  void holdsTheContractKeysAndNeverTheRefreshToken() {
    TokenResponse token = new TokenResponse("at", "Bearer", NOW, NOW.plusSeconds(300), "profile email", "idt", "rt",
        null, List.of());
    assertThat(TokenSecretData.of(token)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "access_token", "at", "token_type", "Bearer", "expires_at", "2026-11-23T10:20:30Z",
        "scope", "profile email", "id_token", "idt"));
  }

  @Test
  void scopeAndIdTokenOnlyWhenGiven() {
    TokenResponse token = new TokenResponse("at", "Bearer", NOW, NOW.plusSeconds(60), null, null, null, null, List.of());
    assertThat(TokenSecretData.of(token)).containsOnlyKeys("access_token", "token_type", "expires_at");
  }

  /** A Secret holds at most 512 KiB of data: tokens that would not fit are an invalid answer, retried, never shown. */
  @ParameterizedTest(name = "access_token {0} bytes, id_token {1} bytes: {2}")
  @CsvSource(nullValues = "-", value = {
      "524000, 0,      -",
      "524288, 0,      access_token 512 KiB",
      "700000, 0,      access_token 684 KiB",
      "300000, 300000, 'access_token 293 KiB, id_token 293 KiB'",
  })
  void tokensTooLargeForASecretAreAnInvalidTokenResponse(int accessToken, int idToken, String sizes) {
    TokenResponse token = new TokenResponse("a".repeat(accessToken), "Bearer", NOW, NOW.plusSeconds(300), null,
        idToken == 0 ? null : "i".repeat(idToken), null, null, List.of());
    if (sizes == null) {
      assertThat(TokenSecretData.of(token)).containsKey("access_token");
      return;
    }
    assertThatThrownBy(() -> TokenSecretData.of(token)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo("InvalidTokenResponse");
      assertThat(e.isRetryable()).as("the provider may answer differently next time").isTrue();
      assertThat(e.getMessage()).isEqualTo("the token endpoint's answer is too large for a Secret (" + sizes
          + "); a token Secret holds at most 512 KiB").doesNotContain("aaaaaaaa", "iiiiiiii");
    });
  }

  @Test
  void readsTheExpiryBack() {
    assertThat(TokenSecretData.expiresAt(Map.of("expires_at", "2026-11-23T10:20:30Z"))).isEqualTo("2026-11-23T10:20:30Z");
    assertThat(TokenSecretData.expiresAt(Map.of("expires_at", "soon"))).isNull();
    assertThat(TokenSecretData.expiresAt(Map.of())).isNull();
    assertThat(TokenSecretData.expiresAt(null)).isNull();
  }

  @Test
  void onlyTheTokenKeysOfASecretsData() {
    assertThat(TokenSecretData.only(Map.of("access_token", "a", "token_type", "Bearer", "authorization", "Bearer a",
        "mine", "x"))).containsExactlyInAnyOrderEntriesOf(Map.of("access_token", "a", "token_type", "Bearer"));
  }
}
