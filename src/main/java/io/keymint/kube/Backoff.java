package io.keymint.kube;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff for transient failures: 2s, 4s, 8s ... capped at 5 minutes, with up to 10% jitter. */
public final class Backoff {
  static final Duration BASE = Duration.ofSeconds(2);
  static final Duration CAP = Duration.ofMinutes(5);

  private Backoff() {}

  /** The delay before retry number {@code attempts} (1 for the first failure). */
  public static Duration after(int attempts) {
    Duration base = base(attempts);
    return base.plusMillis((long) (base.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble()));
  }

  /** The delay without its jitter: no retry happens earlier, whatever events arrive meanwhile. */
  public static Duration base(int attempts) {
    return Duration.ofMillis(Math.min(BASE.toMillis() << Math.min(Math.max(attempts - 1, 0), 20), CAP.toMillis()));
  }
}
