package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MintAttemptsTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final ConfigMap TOKEN = resource("uid-1");

  @ParameterizedTest(name = "own note {0}s, status {1}: {2}")
  @CsvSource(textBlock = """
      # own note (seconds from now) | status lastRefreshTime  | last attempt (seconds from now)
                                    |                         |
        -3                          |                         | -3
                                    | 2026-11-23T09:59:55Z    | -5
        -3                          | 2026-11-23T09:59:55Z    | -3
        -8                          | 2026-11-23T09:59:55Z    | -5
        -3                          | 2026-11-23T11:00:00Z    | -3
                                    | 2026-11-23T11:00:00Z    |
      """, delimiter = '|')
  void theLastAttemptIsTheLaterOfItsOwnNoteAndStatusNeverAFutureOne(Integer own, String lastRefreshTime, Integer expected) {
    MintAttempts attempts = new MintAttempts(Duration.ofSeconds(10));
    if (own != null) {
      attempts.record(TOKEN, NOW.plusSeconds(own));
    }
    assertThat(attempts.last(TOKEN, lastRefreshTime, NOW)).isEqualTo(expected == null ? null : NOW.plusSeconds(expected));
  }

  @Test
  void attemptsOlderThanTheIntervalAreForgotten() {
    MintAttempts attempts = new MintAttempts(Duration.ofSeconds(10));
    attempts.record(TOKEN, NOW);
    ConfigMap other = resource("uid-2");
    attempts.record(other, NOW.plusSeconds(11));
    assertThat(attempts.last(TOKEN, null, NOW.plusSeconds(11))).isNull();
    assertThat(attempts.last(other, null, NOW.plusSeconds(11))).isEqualTo(NOW.plusSeconds(11));
  }

  private static ConfigMap resource(String uid) {
    return new ConfigMapBuilder().withNewMetadata().withName("t").withNamespace("ns").withUid(uid).endMetadata().build();
  }
}
