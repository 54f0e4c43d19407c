package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesFromTwoSecondsWithBoundedJitter() {
    for (int attempt = 1; attempt <= 6; attempt++) {
      long expected = 2_000L << (attempt - 1);
      assertThat(Backoff.after(attempt).toMillis()).isBetween(expected, expected + expected / 10);
    }
  }

  @Test
  void aRetryAfterLongerThanTheBackoffWins() {
    io.keymint.api.KeymintStatus status = new io.keymint.api.KeymintStatus();
    Duration next = StatusUpdates.recordFailure(status, ReconcileException.retryableAfter("IdentityProviderUnavailable",
        "429", Duration.ofSeconds(90)), java.time.Instant.now(), Duration.ofMinutes(5));
    assertThat(next).hasSeconds(90);
    assertThat(status.failedAttempts).isEqualTo(1);
    Duration shorter = StatusUpdates.recordFailure(status, ReconcileException.retryableAfter("IdentityProviderUnavailable",
        "429", Duration.ofMillis(1)), java.time.Instant.now(), Duration.ofMinutes(5));
    assertThat(shorter.toMillis()).isGreaterThanOrEqualTo(4_000);
  }

  @Test
  void isCappedAtFiveMinutes() {
    assertThat(Backoff.after(50)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(5).plusSeconds(30));
  }
}
