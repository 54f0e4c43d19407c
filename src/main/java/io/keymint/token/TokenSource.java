package io.keymint.token;

import io.keymint.oauth.TokenResponse;
import java.util.function.Supplier;

/**
 * Where a token comes from: a fingerprint of everything it is minted from (resource versions and
 * settings, never a secret value) and how to mint it. When the fingerprint changes, the
 * {@link TokenKeeper} mints a new token at once.
 */
public record TokenSource(String hash, Supplier<TokenResponse> mint) {}
