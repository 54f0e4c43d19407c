package io.keymint.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({"90s,90", "5m,300", "720h,2592000", "1h30m,5400", "1.5h,5400", "500ms,0", "2m30s,150"})
  void parsesGoDurations(String text, long seconds) {
    assertThat(Durations.parse(text).toSeconds()).isEqualTo(seconds);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5 m", "-5m", "5d", "m5"})
  void rejectsWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a duration");
  }

  @ParameterizedTest
  @CsvSource({"5400,1h30m", "45,45s", "3600,1h", "61,1m1s"})
  void formatsInGoStyle(long seconds, String text) {
    assertThat(Durations.format(Duration.ofSeconds(seconds))).isEqualTo(text);
  }
}
