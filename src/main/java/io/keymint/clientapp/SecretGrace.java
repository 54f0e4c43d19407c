package io.keymint.clientapp;

import java.time.Duration;
import java.time.Instant;

/**
 * When a regenerated client secret's predecessor stops being accepted. Keycloak keeps the previous
 * secret as the client's "rotated secret" only where a realm client policy with the
 * {@code secret-rotation} executor applies to the client (Keymint never changes realm policies);
 * then Keymint keeps it for the grace period and removes it at the end, unless Keycloak's own
 * expiry comes first. Pure.
 */
public final class SecretGrace {

  private SecretGrace() {}

  /**
   * When the previous secret stops being accepted.
   *
   * @param keptUntil Keycloak's expiry of the rotated secret; null when Keycloak did not keep it
   * @return {@code rotatedAt} when it was not kept (it ended at once), else the earlier of the grace
   *     period's end and Keycloak's expiry
   */
  public static Instant previousEnd(Instant rotatedAt, Duration grace, Instant keptUntil) {
    if (keptUntil == null) {
      return rotatedAt;
    }
    Instant ours = rotatedAt.plus(grace);
    return keptUntil.isBefore(ours) ? keptUntil : ours;
  }

  /** Whether Keymint must remove the rotated secret itself at {@code previousEnd} (Keycloak would keep it longer). */
  public static boolean removedByKeymint(Instant keptUntil, Instant previousEnd) {
    return keptUntil != null && previousEnd.isBefore(keptUntil);
  }

  /**
   * When a client secret that Keycloak makes expire (the policy's {@code expiration-period}) is
   * rotated: at two thirds of its lifetime, as cert-manager renews certificates, so that the rotation
   * and the workloads' switch happen long before Keycloak refuses it; null when it never expires.
   */
  public static Instant renewalAt(Instant rotatedAt, Instant expiresAt) {
    if (expiresAt == null) {
      return null;
    }
    if (rotatedAt == null || !rotatedAt.isBefore(expiresAt)) {
      return expiresAt;
    }
    return rotatedAt.plus(Duration.between(rotatedAt, expiresAt).multipliedBy(2).dividedBy(3));
  }

  /** Whether the rotated secret Keymint holds back is due for removal now. */
  public static boolean removalDue(boolean held, Instant previousEnd, Instant now) {
    return held && previousEnd != null && !now.isBefore(previousEnd);
  }
}
