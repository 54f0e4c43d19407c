package io.keymint.token;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether to mint a token now, keep the one in the Secret, or wait: an ordered list of checks
 * (cert-manager's renewal policies, adapted), each with the reason it gives. Pure: the engine
 * acts on the verdict and logs the reason of every mint.
 */
public final class RefreshDecision {

  public enum Action {
    /** Ask the token endpoint now. */
    MINT,
    /** The token in the Secret is good until {@link Verdict#until()}. */
    KEEP,
    /** Backing off after a transient failure until {@link Verdict#until()}: no request before then. */
    BACK_OFF,
    /** The last attempt failed for good with exactly these inputs: nothing to do until one changes. */
    STALLED
  }

  public record Verdict(Action action, String reason, Instant until) {}

  /**
   * What the decision looks at.
   *
   * @param source           fingerprint of what a token would be minted from now
   * @param refreshRequest   the resource's keymint.io/refresh value, or null
   * @param tokenValid       the Secret holds an intact token that has not expired
   * @param mintedFrom       fingerprint recorded on the Secret next to its token, or null
   * @param refreshAnswered  keymint.io/refresh value recorded on the Secret next to its token, or null
   * @param refreshAt        when the token in the Secret falls due
   * @param attemptedSource  fingerprint of the last attempt (success or failure), from status
   * @param attemptedRequest keymint.io/refresh value of the last attempt, from status
   * @param stalled          the last attempt failed for good
   * @param retryAt          after a transient failure: the earliest next attempt; else null
   */
  public record Facts(Instant now, String source, String refreshRequest, boolean tokenValid, String mintedFrom,
      String refreshAnswered, Instant refreshAt, String attemptedSource, String attemptedRequest, boolean stalled,
      Instant retryAt) {}

  private RefreshDecision() {}

  public static Verdict decide(Facts f) {
    boolean changedSinceLastAttempt = !Objects.equals(f.source(), f.attemptedSource())
        || !Objects.equals(f.refreshRequest(), f.attemptedRequest());
    if (changedSinceLastAttempt && !Objects.equals(f.source(), f.mintedFrom())) {
      return new Verdict(Action.MINT, f.mintedFrom() == null ? "no token yet" : "its source changed", null);
    }
    if (changedSinceLastAttempt && f.refreshRequest() != null && !f.refreshRequest().equals(f.refreshAnswered())) {
      return new Verdict(Action.MINT, "keymint.io/refresh asked for a new token", null);
    }
    if (f.stalled() && !changedSinceLastAttempt) {
      return new Verdict(Action.STALLED, "the last attempt failed for good; waiting for a change", null);
    }
    if (f.retryAt() != null && f.now().isBefore(f.retryAt())) {
      return new Verdict(Action.BACK_OFF, "backing off after a transient failure", f.retryAt());
    }
    if (!f.tokenValid()) {
      return new Verdict(Action.MINT, "the Secret holds no valid token", null);
    }
    if (!Objects.equals(f.source(), f.mintedFrom())) {
      return new Verdict(Action.MINT, "its source changed", null);
    }
    if (f.refreshRequest() != null && !f.refreshRequest().equals(f.refreshAnswered())) {
      return new Verdict(Action.MINT, "keymint.io/refresh asked for a new token", null);
    }
    if (!f.now().isBefore(f.refreshAt())) {
      return new Verdict(Action.MINT, "the token is due for refresh", null);
    }
    return new Verdict(Action.KEEP, "the token is fresh", f.refreshAt());
  }
}
