package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.oauth.TokenResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
