package io.keymint.clientapp;

import java.time.Instant;
import java.util.Map;

/**
 * An application's credential as it goes into its Secret and status.
 *
 * @param data          the credential's Secret keys (client_secret, or private_key, key_id and
 *                      token_endpoint_auth_method); never logged ({@link #toString()} leaves it out)
 * @param bookkeeping   annotations of Keymint's own on the Secret (previous key, its end)
 * @param nextChange    when the credential must be looked at again by itself (a grace period ends); null if never
 * @param rotatedAt     when the credential was last regenerated
 * @param expiresAt     when Keycloak stops accepting the client secret (a realm rotation policy); null if never
 * @param keyId         PrivateKeyJwt: the id of the key in the Secret
 * @param previousKeyId PrivateKeyJwt: the previous key, still accepted until {@code previousEnd}
 * @param previousEnd   when the credential the last rotation replaced stops (stopped) being accepted
 */
record Credential(Map<String, String> data, Map<String, String> bookkeeping, Instant nextChange, Instant rotatedAt,
    Instant expiresAt, String keyId, String previousKeyId, Instant previousEnd) {

  /** A Public application's: none. */
  static final Credential NONE = new Credential(Map.of(), Map.of(), null, null, null, null, null, null);

  @Override
  public String toString() {
    return "Credential[keys=" + data.keySet() + ", bookkeeping=" + bookkeeping + ", nextChange=" + nextChange
        + ", rotatedAt=" + rotatedAt + ", keyId=" + keyId + "]";
  }
}
