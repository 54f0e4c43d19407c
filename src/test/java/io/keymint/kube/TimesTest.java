package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimesTest {

  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

  @ParameterizedTest(name = "last {0}: due {1}")
  @CsvSource({
      ",                     true",   // never synced
      "2026-12-03T09:50:00Z, true",   // exactly the interval ago
      "2026-12-03T09:49:00Z, true",
      "2026-12-03T09:51:00Z, false",
      "2026-12-03T10:00:00Z, false",  // just now
      "2099-01-01T00:00:00Z, true",   // in the future: a status a tenant wrote postpones nothing
  })
  void anIntervalIsDueWhenItPassedOrItsStartCannotBeTrue(String last, boolean due) {
    assertThat(Times.due(Times.parse(last), Duration.ofMinutes(10), NOW)).isEqualTo(due);
  }
}
