package io.keymint.token;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.api.Condition;
import io.keymint.api.Labels;
import io.keymint.api.Reasons;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.RolloutTarget;
import io.keymint.api.SecretTemplate;
import io.keymint.api.TokenStatus;
import io.keymint.kube.Backoff;
import io.keymint.kube.Outcome;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.ReconcileResult;
import io.keymint.kube.RolloutRestart;
import io.keymint.kube.StatusUpdates;
import io.keymint.kube.Times;
import io.keymint.oauth.TokenResponse;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one access token fresh in its Secret; shared by AppToken and PlatformToken. A token is
 * minted only when there is none, it falls due, its source changed, or a refresh was asked for;
 * otherwise nothing is requested, also after an operator restart (the expiry is read back from the
 * Secret), and never sooner than KEYMINT_MIN_MINT_INTERVAL after the resource's last request
 * ({@link MintAttempts}). Transient failures keep the last token while it is valid; permanent ones
 * are not retried until the source changes.
 */
public final class TokenKeeper {

  private static final Logger log = LoggerFactory.getLogger(TokenKeeper.class);
  /** Asleep this long at most, so a resource is looked at now and then even with no event. */
  static final Duration MAX_WAIT = Duration.ofHours(1);
  /** On a token Secret: fingerprint of what its token was minted from (resource versions, never a secret). */
  public static final String SOURCE_HASH = "keymint.io/source-hash";
  /** On a token Secret: the keymint.io/refresh value its token answered. */
  public static final String REFRESH_ANSWERED = "keymint.io/refresh-answered";

  private final KubernetesClient client;
  private final OutputSecrets secrets;
  private final Clock clock;
  private final DoubleSupplier random;
  private final KeymintMetrics metrics;
  private final Duration rolloutMinInterval;
  private final MintAttempts attempts;

  /**
   * @param rolloutMinInterval KEYMINT_ROLLOUT_MIN_INTERVAL: a workload in rolloutRestart is restarted at most once per this
   * @param attempts           when each resource last asked a token endpoint (KEYMINT_MIN_MINT_INTERVAL)
   */
  public TokenKeeper(KubernetesClient client, OutputSecrets secrets, Clock clock, DoubleSupplier random,
      KeymintMetrics metrics, Duration rolloutMinInterval, MintAttempts attempts) {
    this.metrics = metrics;
    this.rolloutMinInterval = rolloutMinInterval;
    this.attempts = attempts;
    this.client = client;
    this.secrets = secrets;
    this.clock = clock;
    this.random = random;
  }

  /**
   * A token resource as the keeper sees it.
   *
   * @param current    the token Secret as the informers know it ({@link io.keymint.kube.SecretInformers#current}),
   *                   or null when they hold none
   * @param sourceHash fingerprint of everything the token is minted from (never of a secret value):
   *                   when it changes, a new token is minted at once
   */
  public record Target(HasMetadata owner, TokenStatus status, String secretName, SecretTemplate template,
      RefreshPolicy refresh, List<RolloutTarget> rolloutRestart, Secret current, String sourceHash,
      Map<String, String> record) {}

  public ReconcileResult keep(Target target, Supplier<TokenResponse> mint) {
    Instant now = clock.instant();
    TokenStatus status = target.status();
    status.secretName = target.secretName();
    Secret current = OutputSecrets.requireOwned(target.owner(), target.secretName(), target.current());
    Map<String, String> data = current == null ? null : OutputSecrets.decode(current);
    Instant expiresAt = TokenSecretData.expiresAt(data);
    boolean valid = current != null && expiresAt != null && expiresAt.isAfter(now)
        && OutputSecrets.isIntact(current, TokenSecretData.KEYS);
    // What the token in the Secret was minted from, and which refresh request it answered, is kept
    // on the Secret itself, so it always describes the token next to it.
    Map<String, String> mintedWith = current == null || current.getMetadata().getAnnotations() == null ? Map.of()
        : current.getMetadata().getAnnotations();
    String refreshRequest = annotation(target.owner(), Labels.REFRESH);
    Instant refreshAt = valid ? refreshAt(target, expiresAt, now) : null;
    RefreshDecision.Verdict verdict = RefreshDecision.decide(new RefreshDecision.Facts(now, target.sourceHash(),
        refreshRequest, valid, mintedWith.get(SOURCE_HASH), mintedWith.get(REFRESH_ANSWERED), refreshAt,
        status.sourceHash, status.lastRefreshRequest, isStalled(status, target.owner()), retryAt(status),
        attempts.last(target.owner(), status.lastRefreshTime, now), attempts.minInterval()));
    // A restart held back for the token's last change falls due whatever the token does meanwhile.
    Instant changedAt = RolloutRestart.time(mintedWith, RolloutRestart.CHANGED_AT);
    return switch (verdict.action()) {
      case STALLED -> {
        Condition stalled = status.condition(Condition.STALLED);
        yield new ReconcileResult(Outcome.stalled(stalled.reason, stalled.message),
            sooner(MAX_WAIT, now, restarts(target, changedAt, now)));
      }
      case BACK_OFF, THROTTLED -> new ReconcileResult(null, // conditions stay as they are
          sooner(wait(now, verdict.until()), now, restarts(target, changedAt, now)));
      case KEEP -> {
        // repairs labels and template, renders template.data again; writes nothing when they match
        Map<String, String> record = recorded(mintedWith);
        Secret desired = desired(target, TokenSecretData.only(data), record);
        if (!Objects.equals(dataHash(current), dataHash(desired))) {
          // an edited template changed the rendered keys: as much a change for the workloads as a new token
          changedAt = clock.instant();
          record.put(RolloutRestart.CHANGED_AT, Times.format(changedAt));
          desired = desired(target, TokenSecretData.only(data), record);
        }
        secrets.apply(target.owner(), current, desired);
        status.expiresAt = Times.format(expiresAt);
        status.refreshAt = Times.format(refreshAt);
        status.failedAttempts = null; // a good token is there (another process may have refreshed it)
        status.lastFailureTime = null;
        RolloutRestart.Result restarts = restarts(target, changedAt, now);
        yield new ReconcileResult(issued(target, status, restarts.notes()), sooner(wait(now, refreshAt), now, restarts));
      }
      case MINT -> mint(target, mint, current, data, refreshRequest, verdict.reason(), valid ? expiresAt : null,
          changedAt, now);
    };
  }

  private ReconcileResult mint(Target target, Supplier<TokenResponse> mint, Secret current, Map<String, String> data,
      String refreshRequest, String why, Instant validUntil, Instant changedBefore, Instant now) {
    TokenStatus status = target.status();
    // the attempt is recorded whatever its outcome: a failure is not retried before its backoff
    // unless something changes after it
    status.sourceHash = target.sourceHash();
    status.lastRefreshRequest = refreshRequest;
    log.debug("{} {}/{}: minting a token: {}", target.owner().getKind(), target.owner().getMetadata().getNamespace(),
        target.owner().getMetadata().getName(), why);
    TokenResponse token;
    Map<String, String> minted;
    attempts.record(target.owner(), clock.instant());
    try {
      token = mint.get();
      minted = TokenSecretData.of(token); // InvalidTokenResponse when it cannot fit in a Secret
    } catch (ReconcileException e) {
      metrics.tokenRefresh(target.owner().getKind(), false, e.reason());
      ReconcileResult failed = failed(target, e, validUntil, now);
      return new ReconcileResult(failed.outcome(), sooner(failed.next(), now, restarts(target, changedBefore, now)));
    }
    metrics.tokenRefresh(target.owner().getKind(), true, Reasons.TOKEN_ISSUED);
    boolean replaced = data != null && data.containsKey(TokenSecretData.ACCESS_TOKEN);
    Map<String, String> record = new java.util.HashMap<>(target.record());
    if (refreshRequest != null) {
      record.put(REFRESH_ANSWERED, refreshRequest);
    }
    record.put(SOURCE_HASH, target.sourceHash());
    // A replaced token is a change the workloads in rolloutRestart are restarted for; stamped just
    // before the write, in the same write, so no restart decided before it can count as covering it.
    Instant changedAt = changedBefore;
    if (replaced) {
      changedAt = clock.instant();
      record.put(RolloutRestart.CHANGED_AT, Times.format(changedAt));
    }
    secrets.apply(target.owner(), current, desired(target, minted, record));
    Instant refreshAt = new RefreshSchedule(target.refresh(), random).refreshAt(token.issuedAt(), token.expiresAt());
    status.expiresAt = Times.format(token.expiresAt());
    status.refreshAt = Times.format(refreshAt);
    status.lastRefreshTime = Times.format(token.issuedAt());
    status.tokenType = token.tokenType();
    status.scope = token.scope();
    status.audiences = token.audiences().isEmpty() ? null : token.audiences();
    status.failedAttempts = null;
    status.lastFailureTime = null;
    Instant written = clock.instant();
    RolloutRestart.Result restarts = restarts(target, changedAt, written);
    return new ReconcileResult(issued(target, status, restarts.notes()), sooner(wait(written, refreshAt), written, restarts));
  }

  /**
   * Restarts the workloads in rolloutRestart that the token's last change ({@code changedAt}) still
   * needs a restart for, once their coalescing window has ended; records in status when a held-back
   * restart falls due.
   */
  private RolloutRestart.Result restarts(Target target, Instant changedAt, Instant now) {
    RolloutRestart.Result restarts = RolloutRestart.carryOut(client, target.owner(), target.rolloutRestart(), changedAt,
        rolloutMinInterval, now);
    target.status().nextRolloutAllowedAt = Times.format(restarts.heldUntil());
    return restarts;
  }

  /** The wait, or less when a held-back restart falls due before it: that wake restarts, and asks no token endpoint. */
  private static Duration sooner(Duration wait, Instant now, RolloutRestart.Result restarts) {
    if (restarts.heldUntil() == null) {
      return wait;
    }
    Duration untilDue = wait(now, restarts.heldUntil());
    return untilDue.compareTo(wait) < 0 ? untilDue : wait;
  }

  /** After a transient failure: the earliest next attempt (the backoff without its jitter); else null. */
  private static Instant retryAt(TokenStatus status) {
    Instant failed = Times.parse(status.lastFailureTime);
    return status.failedAttempts == null || status.failedAttempts < 1 || failed == null ? null
        : failed.plus(Backoff.base(status.failedAttempts));
  }

  private static Secret desired(Target target, Map<String, String> data, Map<String, String> record) {
    return OutputSecrets.desired(target.owner(), target.secretName(), data, target.template(), record);
  }

  private static String dataHash(Secret secret) {
    return secret.getMetadata().getAnnotations() == null ? null
        : secret.getMetadata().getAnnotations().get(Labels.DATA_HASH);
  }

  /** Keymint's bookkeeping annotations of a token Secret, to be kept as they are. */
  private static Map<String, String> recorded(Map<String, String> annotations) {
    Map<String, String> record = new java.util.HashMap<>();
    annotations.forEach((k, v) -> {
      if (k.equals(SOURCE_HASH) || k.equals(REFRESH_ANSWERED) || k.equals(Labels.ROTATION_ANSWERED)
          || k.equals(RolloutRestart.CHANGED_AT)) {
        record.put(k, v);
      }
    });
    return record;
  }

  /** A failure: the last token stays in the Secret while it is valid. */
  private ReconcileResult failed(Target target, ReconcileException e, Instant validUntil, Instant now) {
    TokenStatus status = target.status();
    Duration next = StatusUpdates.recordFailure(status, e, now, MAX_WAIT);
    String kept = validUntil == null ? "" : "; the last token stays in Secret '" + target.secretName()
        + "' until it expires at " + Times.format(validUntil);
    if (!e.isRetryable()) {
      return new ReconcileResult(Outcome.stalled(e.reason(), e.getMessage() + kept), next);
    }
    if (validUntil == null) {
      return new ReconcileResult(Outcome.progressing(e.reason(), e.getMessage() + "; retrying"), next);
    }
    Duration untilExpiry = Duration.between(now, validUntil);
    return new ReconcileResult(Outcome.readyRetrying(e.reason(), e.getMessage() + "; retrying" + kept),
        next.compareTo(untilExpiry) < 0 ? next : untilExpiry.plusSeconds(1));
  }

  /** The scheduled refresh of the token in the Secret: status's, unless it belongs to another token. */
  private Instant refreshAt(Target target, Instant expiresAt, Instant now) {
    TokenStatus status = target.status();
    Instant scheduled = Times.parse(status.refreshAt);
    if (scheduled != null && Times.format(expiresAt).equals(status.expiresAt)) {
      return scheduled;
    }
    Instant issued = Times.parse(status.lastRefreshTime);
    return new RefreshSchedule(target.refresh(), random).refreshAt(issued == null || issued.isAfter(expiresAt) ? now : issued, expiresAt);
  }

  private static Outcome issued(Target target, TokenStatus status, List<String> rolloutNotes) {
    return Outcome.ready(Reasons.TOKEN_ISSUED, "token in Secret '" + target.secretName() + "' expires at "
        + status.expiresAt + "; next refresh at " + status.refreshAt
        + (rolloutNotes.isEmpty() ? "" : "; rolloutRestart: " + String.join(", ", rolloutNotes)));
  }

  /**
   * Stalled for the spec as it is: a spec changed since (a fixed template, say) is a change worth
   * another look, even when what the token is minted from stayed the same.
   */
  private static boolean isStalled(TokenStatus status, HasMetadata owner) {
    Condition stalled = status.condition(Condition.STALLED);
    long generation = owner.getMetadata().getGeneration() == null ? 0 : owner.getMetadata().getGeneration();
    return stalled != null && "True".equals(stalled.status)
        && (stalled.observedGeneration == null || stalled.observedGeneration == generation);
  }

  private static Duration wait(Instant now, Instant until) {
    Duration wait = Duration.between(now, until);
    if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
      return Duration.ofSeconds(1);
    }
    return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
  }

  private static String annotation(HasMetadata owner, String name) {
    Map<String, String> annotations = owner.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }
}
