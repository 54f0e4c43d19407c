package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.kube.RolloutDecision.Action;
import io.keymint.kube.RolloutDecision.Facts;
import io.keymint.kube.RolloutDecision.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RolloutDecisionTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private static Instant ago(int seconds) {
    return NOW.minusSeconds(seconds);
  }

  private static Instant in(int seconds) {
    return NOW.plusSeconds(seconds);
  }

  /** changedAt: this resource's last token change; then the workload's last restart and open window. */
  private static Facts facts(Instant changedAt, Instant lastRestart, Instant pendingSince) {
    return new Facts(NOW, MINUTE, changedAt, lastRestart, pendingSince);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // situation, facts, action, pendingSince to record, due
        Arguments.of("no token replaced yet", facts(null, null, null), Action.NOTHING, null, null),
        Arguments.of("no token replaced yet, another resource's window is open", facts(null, ago(300), ago(10)),
            Action.NOTHING, null, null),
        Arguments.of("restarted after the change", facts(ago(30), ago(10), null), Action.NOTHING, null, null),
        Arguments.of("restarted after the change, a later window is someone else's", facts(ago(30), ago(10), ago(5)),
            Action.NOTHING, null, null),
        Arguments.of("restarted in the same second as the change: not sure it saw it", facts(ago(10), ago(10), null),
            Action.OPEN_WINDOW, ago(10), in(50)),
        Arguments.of("restarted a second after the change: not sure either", facts(ago(11), ago(10), null),
            Action.OPEN_WINDOW, ago(11), in(50)),
        Arguments.of("restarted two seconds after the change", facts(ago(12), ago(10), null), Action.NOTHING, null, null),
        Arguments.of("first change, never restarted: the window opens", facts(NOW, null, null),
            Action.OPEN_WINDOW, NOW, in(60)),
        Arguments.of("first change since a restart long ago", facts(NOW, ago(3600), null), Action.OPEN_WINDOW, NOW, in(60)),
        Arguments.of("first change since a recent restart: once per interval", facts(NOW, ago(20), null),
            Action.OPEN_WINDOW, NOW, in(60)),
        Arguments.of("restart 40 s ago, change 10 s ago: due an interval after the change", facts(ago(10), ago(40), null),
            Action.OPEN_WINDOW, ago(10), in(50)),
        Arguments.of("a window opened by another resource", facts(NOW, ago(3600), ago(20)), Action.HOLD, null, in(40)),
        Arguments.of("a window opened by this resource, woken early", facts(ago(59), null, ago(59)), Action.HOLD, null, in(1)),
        Arguments.of("the window ended", facts(ago(45), ago(3600), ago(60)), Action.RESTART, null, null),
        Arguments.of("the window ended long ago (operator was down)", facts(ago(500), null, ago(600)), Action.RESTART,
            null, null),
        Arguments.of("a change found late, long after it was made (no window recorded)", facts(ago(600), ago(3600), null),
            Action.RESTART, null, null),
        Arguments.of("a window left from before the last restart is closed", facts(ago(5), ago(30), ago(100)),
            Action.OPEN_WINDOW, ago(5), in(55)),
        Arguments.of("a window from before the last restart, change long after it", facts(ago(200), ago(300), ago(400)),
            Action.RESTART, null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String situation, Facts facts, Action action, Instant pendingSince, Instant due) {
    Verdict verdict = RolloutDecision.decide(facts);
    assertThat(verdict.action()).isEqualTo(action);
    assertThat(verdict.pendingSince()).isEqualTo(pendingSince);
    assertThat(verdict.due()).isEqualTo(due);
  }

  @Test
  void aZeroIntervalStillWaitsUntilTheChangeHasSettled() {
    Verdict verdict = RolloutDecision.decide(new Facts(NOW, Duration.ZERO, NOW, null, null));
    assertThat(verdict.action()).isEqualTo(Action.OPEN_WINDOW);
    assertThat(verdict.due()).isEqualTo(in(2));
    // and the restart that follows covers it, so there is no second one
    assertThat(RolloutDecision.covered(NOW, in(2))).isTrue();
  }

  @Test
  void threeChangesWithinTheIntervalGiveOneRestartAfterAllOfThem() {
    // a at 0 s opens the window; b and c at 5 s and 20 s join it; the restart at 60 s covers all three
    Instant t0 = NOW;
    Verdict a = RolloutDecision.decide(new Facts(t0, MINUTE, t0, null, null));
    assertThat(a.action()).isEqualTo(Action.OPEN_WINDOW);
    Verdict b = RolloutDecision.decide(new Facts(t0.plusSeconds(5), MINUTE, t0.plusSeconds(5), null, a.pendingSince()));
    Verdict c = RolloutDecision.decide(new Facts(t0.plusSeconds(20), MINUTE, t0.plusSeconds(20), null, a.pendingSince()));
    assertThat(b.action()).isEqualTo(Action.HOLD);
    assertThat(c.action()).isEqualTo(Action.HOLD);
    assertThat(b.due()).isEqualTo(a.due()).isEqualTo(c.due());
    Instant restart = a.due();
    assertThat(RolloutDecision.decide(new Facts(restart, MINUTE, t0.plusSeconds(20), null, a.pendingSince())).action())
        .isEqualTo(Action.RESTART);
    for (Instant changedAt : new Instant[] {t0, t0.plusSeconds(5), t0.plusSeconds(20)}) {
      assertThat(RolloutDecision.decide(new Facts(restart, MINUTE, changedAt, restart, null)).action())
          .isEqualTo(Action.NOTHING);
    }
  }
}
