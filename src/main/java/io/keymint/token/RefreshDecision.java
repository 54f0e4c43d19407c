package io.keymint.token;

import io.keymint.api.Durations;
import java.time.Duration;
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
    /**
     * A token is wanted, but the token endpoint was asked less than the minimum interval ago
     * (KEYMINT_MIN_MINT_INTERVAL): the request is made at {@link Verdict#until()}, not dropped.
     */
    THROTTLED,
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
   * @param lastAttempt      when the token endpoint was last asked for this resource, whatever the answer; or null
   * @param minInterval      KEYMINT_MIN_MINT_INTERVAL: the token endpoint is asked at most once per this
   */
  public record Facts(Instant now, String source, String refreshRequest, boolean tokenValid, String mintedFrom,
      String refreshAnswered, Instant refreshAt, String attemptedSource, String attemptedRequest, boolean stalled,
      Instant retryAt, Instant lastAttempt, Duration minInterval) {}

  private RefreshDecision() {}

  /**
   * The verdict of the checks below, with the minimum interval on top: a mint (for whatever reason,
   * a new keymint.io/refresh value included) within {@code minInterval} of the last attempt waits
   * until the interval is over, and a backoff lasts at least as long. A last attempt in the future
   * (a clock set back, a forged record) counts as none: it never holds a token back.
   */
  public static Verdict decide(Facts f) {
    Verdict verdict = checks(f);
    Instant allowedAt = f.lastAttempt() == null || f.lastAttempt().isAfter(f.now()) ? null
        : f.lastAttempt().plus(f.minInterval());
    if (allowedAt == null || !f.now().isBefore(allowedAt)) {
      return verdict;
    }
    return switch (verdict.action()) {
      case MINT -> new Verdict(Action.THROTTLED, verdict.reason() + "; the token endpoint was asked less than "
          + Durations.format(f.minInterval()) + " ago (KEYMINT_MIN_MINT_INTERVAL)", allowedAt);
      case BACK_OFF -> allowedAt.isAfter(verdict.until())
          ? new Verdict(Action.BACK_OFF, verdict.reason(), allowedAt) : verdict;
      default -> verdict;
    };
  }

  private static Verdict checks(Facts f) {
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
