package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.token.RefreshDecision.Action;
import io.keymint.token.RefreshDecision.Facts;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

class RefreshDecisionTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  /** A fresh token minted from source "s", refresh due in 5 minutes, last attempt a success. */
  private static final Facts FRESH = new Facts(NOW, "s", null, true, "s", null, NOW.plusSeconds(300), "s", null, false, null);

  private static Facts facts(Instant now, String source, String request, boolean valid, String mintedFrom, String answered,
      Instant refreshAt, String attempted, String attemptedRequest, boolean stalled, Instant retryAt) {
    return new Facts(now, source, request, valid, mintedFrom, answered, refreshAt, attempted, attemptedRequest, stalled, retryAt);
  }

  static Stream<Arguments> table() {
    Instant soon = NOW.plusSeconds(8);
    return Stream.of(
        Arguments.of("fresh token", FRESH, Action.KEEP),
        Arguments.of("due", facts(NOW, "s", null, true, "s", null, NOW, "s", null, false, null), Action.MINT),
        Arguments.of("no token yet", facts(NOW, "s", null, false, null, null, null, null, null, false, null), Action.MINT),
        Arguments.of("Secret edited or expired", facts(NOW, "s", null, false, "s", null, null, "s", null, false, null), Action.MINT),
        Arguments.of("source changed", facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "s", null, false, null),
            Action.MINT),
        Arguments.of("refresh asked", facts(NOW, "s", "2", true, "s", "1", NOW.plusSeconds(300), "s", "1", false, null),
            Action.MINT),
        Arguments.of("refresh asked again while backing off",
            facts(NOW, "s", "3", true, "s", "1", NOW.plusSeconds(300), "s", "2", false, soon), Action.MINT),
        Arguments.of("source changed while backing off",
            facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "s", null, false, soon), Action.MINT),
        Arguments.of("backing off, nothing changed", facts(NOW, "s", null, false, "s", null, null, "s", null, false, soon),
            Action.BACK_OFF),
        Arguments.of("backing off on a new source", facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "t", null, false,
            soon), Action.BACK_OFF),
        Arguments.of("backoff over", facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "t", null, false, NOW),
            Action.MINT),
        Arguments.of("stalled, nothing changed", facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "t", null, true,
            null), Action.STALLED),
        Arguments.of("stalled, then the source changed",
            facts(NOW, "u", null, true, "s", null, NOW.plusSeconds(300), "t", null, true, null), Action.MINT),
        Arguments.of("stalled, then a refresh was asked",
            facts(NOW, "t", "9", true, "s", null, NOW.plusSeconds(300), "t", null, true, null), Action.MINT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String situation, Facts facts, Action expected) {
    assertThat(RefreshDecision.decide(facts).action()).isEqualTo(expected);
  }
}
