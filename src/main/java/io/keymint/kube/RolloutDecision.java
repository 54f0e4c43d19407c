package io.keymint.kube;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether one resource restarts a workload named in its {@code rolloutRestart} now, opens a
 * restart window on it, waits for the window another resource opened, or has nothing to ask for.
 * Pure: {@link RolloutRestart} reads the facts from the workload and carries the verdict out.
 *
 * <p>The window trails: the first change after the workload's last restart opens it, and the
 * workload is restarted once when it ends, at {@code max(opened + interval, lastRestart + interval)},
 * covering every change that landed in any of its Secrets before then. So changes that several
 * resources make within the interval give one restart, after all of them, and a workload is never
 * restarted more than once per interval.
 */
public final class RolloutDecision {

  /**
   * How long after a Secret change a restart must come to be sure it saw the change: times are kept
   * to the second (the contract's format, and {@code kubectl}'s), and a change is stamped just before
   * its Secret is written. A change closer than this to a restart asks for one more restart (one
   * interval later), never for none.
   */
  static final Duration SETTLE = Duration.ofSeconds(2);

  public enum Action {
    /** This resource has no change the workload has not been restarted for. */
    NOTHING,
    /** No window is open: open one at {@link Verdict#pendingSince()}; the restart falls due at {@link Verdict#due()}. */
    OPEN_WINDOW,
    /** A window is open: the restart falls due at {@link Verdict#due()}. */
    HOLD,
    /** Restart the workload now (and close the window). */
    RESTART
  }

  /**
   * @param pendingSince for OPEN_WINDOW, the start of the window to record on the workload
   * @param due          for OPEN_WINDOW and HOLD, when the restart falls due
   */
  public record Verdict(Action action, Instant pendingSince, Instant due, String reason) {}

  /**
   * What the decision looks at.
   *
   * @param interval        KEYMINT_ROLLOUT_MIN_INTERVAL
   * @param secretChangedAt when this resource last replaced the token in its Secret (recorded on the
   *                        Secret in the same write), or null when it never replaced one
   * @param lastRestart     the workload's last restart by Keymint (its pod template annotation), or null
   * @param pendingSince    the open window recorded on the workload, or null
   */
  public record Facts(Instant now, Duration interval, Instant secretChangedAt, Instant lastRestart,
      Instant pendingSince) {}

  private RolloutDecision() {}

  public static Verdict decide(Facts f) {
    if (f.secretChangedAt() == null) {
      return new Verdict(Action.NOTHING, null, null, "no token replaced yet");
    }
    if (covered(f.secretChangedAt(), f.lastRestart())) {
      return new Verdict(Action.NOTHING, null, null, "the workload was restarted after the last change");
    }
    // a window recorded before the last restart was closed by it (written by someone else, or by hand)
    boolean open = f.pendingSince() != null && (f.lastRestart() == null || f.pendingSince().isAfter(f.lastRestart()));
    Instant opened = open ? f.pendingSince() : earlier(f.secretChangedAt(), f.now());
    Instant due = later(opened.plus(f.interval()), f.secretChangedAt().plus(SETTLE));
    if (f.lastRestart() != null) {
      due = later(due, f.lastRestart().plus(f.interval()));
    }
    if (!f.now().isBefore(due)) {
      return new Verdict(Action.RESTART, null, null, open ? "the restart window ended" : "a change is due for a restart");
    }
    return open ? new Verdict(Action.HOLD, null, due, "coalescing with the open restart window")
        : new Verdict(Action.OPEN_WINDOW, opened, due, "the first change since the last restart");
  }

  /** Whether a restart at {@code lastRestart} came late enough after the change to have seen it. */
  static boolean covered(Instant secretChangedAt, Instant lastRestart) {
    return lastRestart != null && !lastRestart.isBefore(secretChangedAt.plus(SETTLE));
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
