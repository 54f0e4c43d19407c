package io.keymint.kube;

/**
 * The result of one reconcile, in kstatus terms. Pure data: {@link Conditions} turns it into the
 * three conditions.
 *
 * @param state   which of the kstatus states the resource is in
 * @param reason  CamelCase reason for Ready (and for Reconciling/Stalled when they are True)
 * @param message human-readable, never a secret
 */
public record Outcome(State state, String reason, String message) {

  public enum State {
    /** Done: Ready=True, Reconciling=False, Stalled=False. */
    READY,
    /** Ready=True but working on something (a retry while the last token is still valid). */
    READY_RETRYING,
    /** Work in progress or a transient failure being retried: Ready=False, Reconciling=True. */
    PROGRESSING,
    /** Stuck until the user changes something: Ready=False, Stalled=True. */
    STALLED
  }

  public static Outcome ready(String reason, String message) {
    return new Outcome(State.READY, reason, message);
  }

  public static Outcome readyRetrying(String reason, String message) {
    return new Outcome(State.READY_RETRYING, reason, message);
  }

  public static Outcome progressing(String reason, String message) {
    return new Outcome(State.PROGRESSING, reason, message);
  }

  public static Outcome stalled(String reason, String message) {
    return new Outcome(State.STALLED, reason, message);
  }
}
