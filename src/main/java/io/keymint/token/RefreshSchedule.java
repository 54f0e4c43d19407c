package io.keymint.token;

import io.keymint.api.Durations;
import io.keymint.api.RefreshPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.DoubleSupplier;

/**
 * When to refresh a token, from its real lifetime (cert-manager's renewal rule, adapted):
 * <ul>
 *   <li>{@code beforeExpiry} when it is shorter than the lifetime, else {@code beforeExpiryPercentage}
 *       of the lifetime (33 by default: refresh when a third is left);</li>
 *   <li>never later than the expiry minus a propagation margin that leaves kubelet time to update
 *       mounted Secrets (a minute, a quarter of the lifetime for very short tokens);</li>
 *   <li>minus a small jitter (up to 5% of the lead, at most 15 s) so that many tokens issued
 *       together do not all fall due in the same second;</li>
 *   <li>on a whole second, rounded down: never later than computed, and never more than a
 *       second earlier;</li>
 *   <li>never sooner than {@link #MIN_INTERVAL} after issue, whatever the policy and the lifetime:
 *       no resource asks its token endpoint more often (a token that lives shorter than that is
 *       expired for a while before it is replaced).</li>
 * </ul>
 */
public final class RefreshSchedule {

  public static final int DEFAULT_PERCENTAGE = 33;
  static final Duration PROPAGATION_MARGIN = Duration.ofSeconds(60);
  static final Duration MAX_JITTER = Duration.ofSeconds(15);
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(10);

  private final Duration beforeExpiry;
  private final int percentage;
  private final DoubleSupplier random;

  /** @param random uniform in [0, 1): the jitter's source, fixed in tests */
  public RefreshSchedule(RefreshPolicy policy, DoubleSupplier random) {
    this.beforeExpiry = policy == null || policy.beforeExpiry == null ? null : Durations.parse(policy.beforeExpiry);
    this.percentage = policy == null || policy.beforeExpiryPercentage == null ? DEFAULT_PERCENTAGE
        : policy.beforeExpiryPercentage;
    this.random = random;
  }

  /** The time to refresh a token issued at {@code issuedAt} that expires at {@code expiresAt}. */
  public Instant refreshAt(Instant issuedAt, Instant expiresAt) {
    long lifetime = Math.max(Duration.between(issuedAt, expiresAt).toMillis(), 0);
    long lead = beforeExpiry != null && beforeExpiry.toMillis() < lifetime
        ? beforeExpiry.toMillis()
        : lifetime * percentage / 100;
    long margin = Math.min(PROPAGATION_MARGIN.toMillis(), lifetime / 4);
    lead = Math.max(lead, margin);
    long jitter = (long) (Math.min(lead * 0.05, MAX_JITTER.toMillis()) * random.getAsDouble());
    Instant at = expiresAt.minusMillis(lead + jitter).truncatedTo(ChronoUnit.SECONDS);
    Instant earliest = issuedAt.plus(MIN_INTERVAL);
    return at.isBefore(earliest) ? earliest : at;
  }
}
