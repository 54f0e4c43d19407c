package io.keymint.platformtoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.kube.Hashes;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The operator-owned Secret where Keymint keeps the newest refresh token a provider returned,
 * with a fingerprint (a keyed HMAC, {@link FingerprintKey}) of the user's credential it descends
 * from. Owned by the PlatformToken, labelled like every Keymint Secret, never the user's Secret and
 * never meant to be mounted. When the user puts a different credential into their own Secret,
 * that one wins.
 *
 * <p>A refresh token may work only once (Keycloak's {@code refreshTokenMaxReuse=0}): presenting it
 * twice ends the user's session. So a process presents it only while it holds the lock on this
 * Secret, taken with an optimistic write (the resourceVersion read from the API server is the
 * lock, {@link #LOCK_TIME} its expiry, so a crashed holder blocks for a minute at most), and the
 * provider's new refresh token is written here before anything else happens with the answer.
 */
final class StateSecret {

  static final String REFRESH_TOKEN = "refresh_token";
  static final String DESCENDS_FROM = "descends_from";
  /** Annotation: the process holding the right to present the refresh token, and until when ("" when free). */
  static final String LOCK = "keymint.io/refresh-lock";
  static final Duration LOCK_TIME = Duration.ofSeconds(60);

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

  /** The state as this process locked it: the refresh token in it is ours to present, once. */
  final class Lease {
    private final Secret state;

    private Lease(Secret state) {
      this.state = state;
    }

    /** The kept refresh token if it descends from the user's current credential; else null (use the credential). */
    String refreshTokenFor(String userCredential) {
      Map<String, String> data = OutputSecrets.decode(state);
      return descendsFrom(data.get(DESCENDS_FROM), userCredential) ? data.get(REFRESH_TOKEN) : null;
    }

    /**
     * Writes the provider's new refresh token and frees the lock, with no resourceVersion: the old
     * token is spent, so this one must stick whatever happened meanwhile. True when it was a new one.
     */
    boolean keep(String refreshToken, String userCredential) {
      Map<String, String> data = OutputSecrets.decode(state);
      boolean rotated = !refreshToken.equals(data.get(REFRESH_TOKEN));
      secrets.patch(owner, state, desired(Map.of(REFRESH_TOKEN, refreshToken, DESCENDS_FROM, fingerprints.of(userCredential)),
          ""));
      return rotated;
    }

    /** Frees the lock without a new token (the request failed): best effort, it expires anyway. */
    void release() {
      try {
        secrets.patch(owner, state, desired(OutputSecrets.decode(state), ""));
      } catch (RuntimeException e) {
        // the lock runs out by itself after LOCK_TIME
      }
    }
  }

  /**
   * Takes the right to present the refresh token: reads the state from the API server (not a cache)
   * and writes this process's lock on it, only if nobody else holds an unexpired one and nobody wrote
   * it meanwhile. Empty when another process has it.
   */
  Optional<Lease> lock(String holder, Instant now) {
    Secret state = client.secrets().inNamespace(owner.getMetadata().getNamespace()).withName(name).get();
    String lock = holder + " " + Times.format(now.plus(LOCK_TIME));
    if (state == null) {
      return Optional.ofNullable(secrets.createIfAbsent(owner, desired(Map.of(), lock))).map(Lease::new);
    }
    secrets.requireWritable(owner, name, state);
    if (heldByAnother(state, holder, now)) {
      return Optional.empty();
    }
    return Optional.ofNullable(secrets.patchIfUnchanged(owner, state, desired(OutputSecrets.decode(state), lock)))
        .map(Lease::new);
  }

  private static boolean heldByAnother(Secret state, String holder, Instant now) {
    Map<String, String> annotations = state.getMetadata().getAnnotations();
    String lock = annotations == null ? null : annotations.get(LOCK);
    if (lock == null || lock.isBlank() || lock.startsWith(holder + " ")) {
      return false;
    }
    Instant until = Times.parse(lock.substring(lock.indexOf(' ') + 1));
    return until != null && now.isBefore(until);
  }

  private Secret desired(Map<String, String> data, String lock) {
    return OutputSecrets.desired(owner, name, data, null, Map.of(LOCK, lock));
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
