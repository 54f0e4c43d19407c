package io.keymint.kube;

import io.keymint.api.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes the kstatus conditions (Ready, Reconciling, Stalled) for an {@link Outcome}. A
 * condition's lastTransitionTime is kept unless its status flips, as Flux and Argo CD expect.
 */
public final class Conditions {

  private Conditions() {}

  public static List<Condition> apply(List<Condition> current, Outcome outcome, long generation, Instant now) {
    boolean ready = outcome.state() == Outcome.State.READY || outcome.state() == Outcome.State.READY_RETRYING;
    boolean reconciling = outcome.state() == Outcome.State.PROGRESSING || outcome.state() == Outcome.State.READY_RETRYING;
    boolean stalled = outcome.state() == Outcome.State.STALLED;
    String readyReason = outcome.state() == Outcome.State.READY_RETRYING ? readyReasonOf(current, outcome) : outcome.reason();
    List<Condition> result = new ArrayList<>(3);
    result.add(next(current, Condition.READY, ready, readyReason,
        outcome.state() == Outcome.State.READY_RETRYING ? readyMessageOf(current, outcome) : outcome.message(),
        generation, now));
    result.add(next(current, Condition.RECONCILING, reconciling,
        reconciling ? outcome.reason() : "Idle", reconciling ? outcome.message() : "", generation, now));
    result.add(next(current, Condition.STALLED, stalled,
        stalled ? outcome.reason() : "Idle", stalled ? outcome.message() : "", generation, now));
    return result;
  }

  private static Condition next(List<Condition> current, String type, boolean status, String reason,
      String message, long generation, Instant now) {
    String value = status ? "True" : "False";
    Condition previous = Condition.find(current, type);
    String since = previous != null && value.equals(previous.status) && previous.lastTransitionTime != null
        ? previous.lastTransitionTime
        : Times.format(now.truncatedTo(ChronoUnit.SECONDS));
    return new Condition(type, value, reason, message, since, generation);
  }

  /** While retrying with a still-valid result, Ready keeps saying why it is ready. */
  private static String readyReasonOf(List<Condition> current, Outcome outcome) {
    Condition previous = Condition.find(current, Condition.READY);
    return previous != null && "True".equals(previous.status) ? previous.reason : outcome.reason();
  }

  private static String readyMessageOf(List<Condition> current, Outcome outcome) {
    Condition previous = Condition.find(current, Condition.READY);
    return previous != null && "True".equals(previous.status) ? previous.message : outcome.message();
  }
}
