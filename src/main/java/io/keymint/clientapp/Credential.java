package io.keymint.clientapp;

import java.time.Instant;
import java.util.Map;

/**
 * An application's credential as it goes into its Secret.
 *
 * @param data        the credential's Secret keys (client_secret, or private_key, key_id and
 *                    token_endpoint_auth_method); never logged ({@link #toString()} leaves it out)
 * @param bookkeeping annotations of Keymint's own on the Secret (previous key, its end)
 * @param nextChange  when the credential must be looked at again by itself (a grace period ends); null if never
 */
record Credential(Map<String, String> data, Map<String, String> bookkeeping, Instant nextChange) {

  static final Credential NONE = new Credential(Map.of(), Map.of(), null);

  @Override
  public String toString() {
    return "Credential[keys=" + data.keySet() + ", bookkeeping=" + bookkeeping + ", nextChange=" + nextChange + "]";
  }
}
