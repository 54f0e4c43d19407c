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
  void isCappedAtFiveMinutes() {
    assertThat(Backoff.after(50)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(5).plusSeconds(30));
  }
}
