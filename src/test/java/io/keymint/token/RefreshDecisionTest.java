package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.token.RefreshDecision.Action;
import io.keymint.token.RefreshDecision.Facts;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

class RefreshDecisionTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  /** A fresh token minted from source "s", refresh due in 5 minutes, last attempt a success. */
  /** KEYMINT_MIN_MINT_INTERVAL in these facts. */
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
  private static final Facts FRESH = facts(NOW, "s", null, true, "s", null, NOW.plusSeconds(300), "s", null, false, null);

  /** Facts with no attempt in the last interval. */
  private static Facts facts(Instant now, String source, String request, boolean valid, String mintedFrom, String answered,
      Instant refreshAt, String attempted, String attemptedRequest, boolean stalled, Instant retryAt) {
    return new Facts(now, source, request, valid, mintedFrom, answered, refreshAt, attempted, attemptedRequest, stalled, retryAt,
        null, MIN_INTERVAL);
  }

  /** The same facts, with the token endpoint last asked at {@code lastAttempt}. */
  private static Facts askedAt(Instant lastAttempt, Facts f) {
    return new Facts(f.now(), f.source(), f.refreshRequest(), f.tokenValid(), f.mintedFrom(), f.refreshAnswered(),
        f.refreshAt(), f.attemptedSource(), f.attemptedRequest(), f.stalled(), f.retryAt(), lastAttempt, f.minInterval());
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
            facts(NOW, "t", "9", true, "s", null, NOW.plusSeconds(300), "t", null, true, null), Action.MINT),
        // KEYMINT_MIN_MINT_INTERVAL (10s here): whatever wants a token waits for the interval to end
        Arguments.of("refresh asked 3s after the last request", askedAt(NOW.minusSeconds(3),
            facts(NOW, "s", "2", true, "s", "1", NOW.plusSeconds(300), "s", "1", false, null)), Action.THROTTLED),
        Arguments.of("refresh asked 10s after the last request", askedAt(NOW.minusSeconds(10),
            facts(NOW, "s", "2", true, "s", "1", NOW.plusSeconds(300), "s", "1", false, null)), Action.MINT),
        Arguments.of("a 1s token due again 1s after its request", askedAt(NOW.minusSeconds(1),
            facts(NOW, "s", null, true, "s", null, NOW, "s", null, false, null)), Action.THROTTLED),
        Arguments.of("source changed 5s after the last request", askedAt(NOW.minusSeconds(5),
            facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "s", null, false, null)), Action.THROTTLED),
        Arguments.of("refresh asked again 2s after a failed request", askedAt(NOW.minusSeconds(2),
            facts(NOW, "s", "3", true, "s", "1", NOW.plusSeconds(300), "s", "2", false, soon)), Action.THROTTLED),
        Arguments.of("expired token, last request 4s ago", askedAt(NOW.minusSeconds(4),
            facts(NOW, "s", null, false, "s", null, null, "s", null, false, null)), Action.THROTTLED),
        Arguments.of("fresh token, last request 1s ago", askedAt(NOW.minusSeconds(1), FRESH), Action.KEEP),
        Arguments.of("stalled, last request 1s ago", askedAt(NOW.minusSeconds(1),
            facts(NOW, "t", null, true, "s", null, NOW.plusSeconds(300), "t", null, true, null)), Action.STALLED),
        Arguments.of("a last request in the future counts as none", askedAt(NOW.plusSeconds(3600),
            facts(NOW, "s", "2", true, "s", "1", NOW.plusSeconds(300), "s", "1", false, null)), Action.MINT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String situation, Facts facts, Action expected) {
    assertThat(RefreshDecision.decide(facts).action()).isEqualTo(expected);
  }

  @Test
  void aThrottledMintIsScheduledForTheEndOfTheInterval() {
    Facts refreshAsked = askedAt(NOW.minusSeconds(3), facts(NOW, "s", "2", true, "s", "1", NOW.plusSeconds(300), "s", "1", false, null));
    assertThat(RefreshDecision.decide(refreshAsked).until()).isEqualTo(NOW.plusSeconds(7));
  }

  @Test
  void aBackoffShorterThanTheIntervalLastsTheInterval() {
    Facts failedBefore = facts(NOW, "s", null, false, "s", null, null, "s", null, false, NOW.plusSeconds(2));
    assertThat(RefreshDecision.decide(askedAt(NOW.minusSeconds(1), failedBefore)))
        .extracting(RefreshDecision.Verdict::action, RefreshDecision.Verdict::until)
        .containsExactly(Action.BACK_OFF, NOW.plusSeconds(9));
    assertThat(RefreshDecision.decide(askedAt(NOW.minusSeconds(30), failedBefore)).until()).isEqualTo(NOW.plusSeconds(2));
  }
}
