package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.api.RefreshPolicy;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RefreshScheduleTest {

  private static final Instant ISSUED = Instant.parse("2026-11-23T10:00:00Z");

  private static RefreshPolicy policy(String beforeExpiry, Integer percentage) {
    RefreshPolicy policy = new RefreshPolicy();
    policy.beforeExpiry = beforeExpiry;
    policy.beforeExpiryPercentage = percentage;
    return policy;
  }

  /** Seconds after issue at which a token of the given lifetime is refreshed, without and with full jitter. */
  @ParameterizedTest(name = "lifetime {0}s, beforeExpiry {1}, {2}%: at {3}s (jitter: {4}s)")
  @CsvSource(nullValues = "-", value = {
      // lifetime, beforeExpiry, percentage, refresh at (no jitter), refresh at (max jitter)
      "300,   -,   -,  201, 196",   // default 33%: 99 s lead beats the 60 s margin; jitter 5% of 99 s
      "3600,  -,   -,  2412, 2397", // 1188 s lead, jitter capped at 15 s
      "300,   2m,  -,  180, 174",   // beforeExpiry wins when shorter than the lifetime
      "300,   10m, -,  201, 196",   // beforeExpiry longer than the lifetime: the percentage
      "300,   -,   10, 240, 237",   // 10% is 30 s, less than the margin: the 60 s margin wins
      "300,   30s, -,  240, 237",   // beforeExpiry shorter than the margin: the margin wins
      "20,    -,   -,  13, 13",     // very short token: 33% (6.6 s) beats the margin of 5 s
      "20,    -,   1,  15, 14",     // very short token: margin a quarter of the lifetime
      "300,   -,   90, 30, 16",     // 90%: refresh 30 s after issue
      "20,    -,   90, 10, 10",     // 90% of a short token is 2 s after issue: the 10 s floor
      "300,   299s, -, 10, 10",     // a beforeExpiry just under the lifetime: the 10 s floor
      "10,    -,   -,  10, 10",     // the shortest lifespan a ClientApplication may set: at its expiry
      "5,     -,   -,  10, 10",     // a token shorter than the floor: expired for 5 s, never asked for sooner
      "0,     -,   -,  10, 10",     // already expired: not before the floor either
  })
  void schedules(long lifetime, String beforeExpiry, Integer percentage, long atNoJitter, long atMaxJitter) {
    Instant expires = ISSUED.plusSeconds(lifetime);
    assertThat(new RefreshSchedule(policy(beforeExpiry, percentage), () -> 0.0).refreshAt(ISSUED, expires))
        .isEqualTo(ISSUED.plusSeconds(atNoJitter));
    assertThat(new RefreshSchedule(policy(beforeExpiry, percentage), () -> 0.999999).refreshAt(ISSUED, expires))
        .isEqualTo(ISSUED.plusSeconds(atMaxJitter));
  }

  @ParameterizedTest
  @CsvSource({"60", "300", "3600", "86400"})
  void neverLaterThanExpiryMinusTheMarginAndOnAWholeSecond(long lifetime) {
    Instant issued = ISSUED.plusMillis(437);
    Instant expires = issued.plusSeconds(lifetime);
    for (double r : new double[] {0, 0.3, 0.7, 0.99}) {
      Instant at = new RefreshSchedule(null, () -> r).refreshAt(issued, expires);
      assertThat(at.getNano()).isZero();
      assertThat(at).isBeforeOrEqualTo(expires.minusSeconds(Math.min(60, lifetime / 4)));
      assertThat(at).isAfter(issued);
    }
  }

  @ParameterizedTest
  @CsvSource({"0.0", "0.5", "0.99"})
  void nullPolicyMeansTheDefaults(double r) {
    Instant expires = ISSUED.plusSeconds(300);
    assertThat(new RefreshSchedule(null, () -> r).refreshAt(ISSUED, expires))
        .isEqualTo(new RefreshSchedule(policy(null, 33), () -> r).refreshAt(ISSUED, expires));
  }
}
