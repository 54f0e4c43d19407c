package io.keymint.token;

import io.keymint.oauth.TokenResponse;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a token comes from: a fingerprint of everything it is minted from (resource versions and
 * settings, never a secret value) and how to mint it. When the fingerprint changes, the
 * {@link TokenKeeper} mints a new token at once.
 *
 * @param record annotations written on the token Secret next to a token minted from this source
 *               (bookkeeping a stale cache must not hide, such as which rotation was answered)
 */
public record TokenSource(String hash, Supplier<TokenResponse> mint, Map<String, String> record) {

  public TokenSource(String hash, Supplier<TokenResponse> mint) {
    this(hash, mint, Map.of());
  }
}
