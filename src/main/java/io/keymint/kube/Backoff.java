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
    long base = BASE.toMillis() << Math.min(Math.max(attempts - 1, 0), 20);
    long capped = Math.min(base, CAP.toMillis());
    long jitter = (long) (capped * 0.1 * ThreadLocalRandom.current().nextDouble());
    return Duration.ofMillis(capped + jitter);
  }
}
