package io.keymint.oauth;

import java.time.Instant;
import java.util.List;

/**
 * A successful token response (RFC 6749 section 5.1), with the expiry made absolute.
 *
 * @param expiresAt            from {@code expires_in}, else {@code expiration}, else the JWT's {@code exp}
 * @param refreshToken         null when none was returned
 * @param refreshExpiresAt     from {@code refresh_expires_in} when the provider sends one (0: no expiry)
 * @param audiences            the access token's {@code aud} claim when it is a JWT, else empty
 */
public record TokenResponse(String accessToken, String tokenType, Instant issuedAt, Instant expiresAt, String scope,
    String idToken, String refreshToken, Instant refreshExpiresAt, List<String> audiences) {

  @Override
  public String toString() { // tokens stay out of logs
    return "TokenResponse[" + tokenType + ", expires " + expiresAt + ", scope " + scope + "]";
  }
}
