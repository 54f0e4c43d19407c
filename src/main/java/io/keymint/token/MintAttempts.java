package io.keymint.token;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.keymint.kube.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When Keymint last asked a token endpoint for each token resource, for KEYMINT_MIN_MINT_INTERVAL.
 * The attempt is noted by this process right before the request, whatever the answer: unlike
 * status, which a tenant may be able to write and which a cache may show as it was, this record is
 * neither stale nor forgeable. It only needs to remember one interval, so it forgets older
 * attempts and its size follows the request rate, not the number of resources. After a restart,
 * the last success that status records ({@code lastRefreshTime}) stands in for it.
 */
public final class MintAttempts {

  private final Duration minInterval;
  private final Map<String, Instant> attempts = new ConcurrentHashMap<>();
  private volatile Instant nextPrune = Instant.MIN;

  /** @param minInterval KEYMINT_MIN_MINT_INTERVAL */
  public MintAttempts(Duration minInterval) {
    this.minInterval = minInterval;
  }

  public Duration minInterval() {
    return minInterval;
  }

  /** Notes a request about to be made for the resource. */
  public void record(HasMetadata resource, Instant at) {
    attempts.put(resource.getMetadata().getUid(), at);
    if (!at.isBefore(nextPrune)) {
      nextPrune = at.plus(minInterval);
      Instant forgotten = at.minus(minInterval);
      attempts.values().removeIf(t -> t.isBefore(forgotten));
    }
  }

  /**
   * The last attempt for the resource: this process's own note, or the last success status records
   * ({@code lastRefreshTime}), whichever is later; a time after {@code now} counts as none. Null when
   * there is neither.
   */
  public Instant last(HasMetadata resource, String lastRefreshTime, Instant now) {
    Instant own = attempts.get(resource.getMetadata().getUid());
    Instant recorded = Times.parse(lastRefreshTime);
    own = own == null || own.isAfter(now) ? null : own;
    recorded = recorded == null || recorded.isAfter(now) ? null : recorded;
    return own == null ? recorded : recorded == null || own.isAfter(recorded) ? own : recorded;
  }
}
