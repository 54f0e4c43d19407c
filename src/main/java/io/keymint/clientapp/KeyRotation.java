package io.keymint.clientapp;

import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which key pair a PrivateKeyJwt application uses, and which public keys its Keycloak client keeps:
 * reuse the key in the Secret, rotate it (the new public key is registered next to the old one, the
 * old one stays accepted for the grace period), or regenerate it (no usable key: nothing to keep).
 * Pure: the reconciler reads the state (the Secret from the API server, the key ids on the client)
 * and carries the plan out in this order: Keycloak's key set first, then the Secret. So the Secret
 * only ever holds a key Keycloak accepts, and a key whose private half never reached the Secret is
 * an orphan the next plan removes.
 */
public final class KeyRotation {

  private KeyRotation() {}

  /** Why a new key pair is generated; null in a plan that keeps the key. */
  public enum Cause {
    /** The Secret holds no key (new application, switched to PrivateKeyJwt, Secret deleted or edited). */
    NO_KEY("no key yet"),
    /** The Secret's key is not registered on the client (the client was recreated or edited in Keycloak). */
    KEY_NOT_REGISTERED("the key in the Secret is not registered in Keycloak"),
    REQUESTED("keymint.io/rotate-secret"),
    PERIOD("rotation period"),
    ALGORITHM_CHANGED("keyAlgorithm changed");

    private final String description;

    Cause(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }

    /** A rotation of a working key (the old one stays accepted for the grace period), not a repair. */
    public boolean keepsOldKey() {
      return this == REQUESTED || this == PERIOD || this == ALGORITHM_CHANGED;
    }
  }

  /**
   * What Keymint knows about an application's keys.
   *
   * @param secretKeyId       key_id in the Secret; null when the Secret has no intact key
   * @param secretAlgorithm   the algorithm recorded with that key; null if unknown
   * @param previousKeyId     the previous key recorded on the Secret, or null
   * @param previousExpiresAt when that previous key stops being accepted, or null
   * @param registeredKeyIds  the key ids on the Keycloak client
   */
  public record State(String secretKeyId, KeyAlgorithm secretAlgorithm, String previousKeyId, Instant previousExpiresAt,
      Set<String> registeredKeyIds) {}

  /**
   * What to do.
   *
   * @param cause             why a new key pair is generated; null: keep the Secret's key
   * @param previousKeyId     the previous key, accepted until {@code previousExpiresAt}; null when none
   * @param previousExpiresAt when the previous key stops (or stopped) being accepted; null when never rotated
   * @param keepKeyIds        the registered keys that stay on the client (the new key comes on top)
   */
  public record Plan(Cause cause, String previousKeyId, Instant previousExpiresAt, Set<String> keepKeyIds) {

    public boolean generatesKey() {
      return cause != null;
    }

    /** Whether the client's key set changes: a key added or one removed. */
    public boolean changesKeycloak(Set<String> registeredKeyIds) {
      return generatesKey() || !keepKeyIds.equals(registeredKeyIds);
    }
  }

  /**
   * Whether the cached Secret alone says that nothing is to be done: its key is there and of the
   * wanted algorithm, no rotation is asked for or due, and no previous key has outlived its grace.
   * When false, the reconciler reads the Secret from the API server and the client's keys from
   * Keycloak, and asks {@link #plan}.
   */
  public static boolean nothingToDo(String secretKeyId, KeyAlgorithm secretAlgorithm, String previousKeyId,
      Instant previousExpiresAt, KeyAlgorithm wanted, boolean rotationRequested, boolean rotationDue, Instant now) {
    return secretKeyId != null && secretAlgorithm == wanted && !rotationRequested && !rotationDue
        && (previousKeyId == null || previousExpiresAt != null && now.isBefore(previousExpiresAt));
  }

  /** The plan for {@code state}; {@code grace} may be zero (the old key goes at the next look). */
  public static Plan plan(State state, KeyAlgorithm wanted, boolean rotationRequested, boolean rotationDue,
      Duration grace, Instant now) {
    String current = state.secretKeyId();
    if (current == null) {
      return new Plan(Cause.NO_KEY, null, null, Set.of());
    }
    if (!state.registeredKeyIds().contains(current)) {
      return new Plan(Cause.KEY_NOT_REGISTERED, null, null, Set.of());
    }
    Cause rotation = rotationRequested ? Cause.REQUESTED : rotationDue ? Cause.PERIOD
        : state.secretAlgorithm() != wanted ? Cause.ALGORITHM_CHANGED : null;
    if (rotation != null) { // the Secret's key becomes the previous one; an older previous one goes now
      return new Plan(rotation, current, now.plus(grace), Set.of(current));
    }
    Set<String> keep = new TreeSet<>(Set.of(current));
    String previous = state.previousKeyId();
    boolean previousAccepted = previous != null && !previous.equals(current) && state.previousExpiresAt() != null
        && now.isBefore(state.previousExpiresAt()) && state.registeredKeyIds().contains(previous);
    if (previousAccepted) {
      keep.add(previous);
    }
    return new Plan(null, previousAccepted ? previous : null,
        state.previousExpiresAt(), Set.copyOf(keep)); // every other registered key is an orphan or past its grace
  }

  /** The next time a plan changes by itself: when the previous key's grace ends; null if never. */
  public static Instant nextChange(Plan plan) {
    return plan.previousKeyId() == null ? null : Objects.requireNonNull(plan.previousExpiresAt());
  }
}
