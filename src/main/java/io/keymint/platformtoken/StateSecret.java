package io.keymint.platformtoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.kube.Hashes;
import io.keymint.kube.OutputSecrets;
import java.util.Map;

/**
 * The operator-owned Secret where Keymint keeps the newest refresh token a provider returned,
 * with a fingerprint (a keyed HMAC, {@link FingerprintKey}) of the user's credential it descends from. Owned by the PlatformToken,
 * labelled like every Keymint Secret, never the user's Secret and never meant to be mounted. When
 * the user puts a different credential into their own Secret, that one wins.
 */
final class StateSecret {

  static final String REFRESH_TOKEN = "refresh_token";
  static final String DESCENDS_FROM = "descends_from";

  private final KubernetesClient client;
  private final OutputSecrets secrets;
  private final PlatformToken owner;
  private final String name;
  private final FingerprintKey fingerprints;

  StateSecret(KubernetesClient client, OutputSecrets secrets, PlatformToken owner, String name, FingerprintKey fingerprints) {
    this.client = client;
    this.secrets = secrets;
    this.owner = owner;
    this.name = name;
    this.fingerprints = fingerprints;
  }

  /**
   * The refresh token to present now: the kept one if it descends from the user's current
   * credential, else the user's credential itself. Read from the API server, not a cache: a used
   * refresh token must never be presented twice.
   */
  String refreshTokenFor(String userCredential) {
    Secret state = current();
    if (state == null) {
      return null;
    }
    Map<String, String> data = OutputSecrets.decode(state);
    return descendsFrom(data.get(DESCENDS_FROM), userCredential) ? data.get(REFRESH_TOKEN) : null;
  }

  /** Keeps a refresh token the provider returned; true when it was a new one. */
  boolean keep(String refreshToken, String userCredential) {
    Secret current = current();
    Map<String, String> data = Map.of(REFRESH_TOKEN, refreshToken, DESCENDS_FROM, fingerprints.of(userCredential));
    if (current != null && refreshToken.equals(OutputSecrets.decode(current).get(REFRESH_TOKEN))) {
      return false;
    }
    secrets.apply(owner, secrets.requireWritable(owner, name, current), OutputSecrets.desired(owner, name, data, null));
    return true;
  }

  private Secret current() {
    return client.secrets().inNamespace(owner.getMetadata().getNamespace()).withName(name).get();
  }

  /**
   * Whether a recorded fingerprint is the user's credential's: a keyed HMAC, or the bare hash that
   * Keymint 0.1 recorded (accepted so an upgrade keeps the refresh tokens it kept; the next rotation
   * records an HMAC).
   */
  private boolean descendsFrom(String recorded, String userCredential) {
    return fingerprints.of(userCredential).equals(recorded) || Hashes.of("credential", userCredential).equals(recorded);
  }
}
