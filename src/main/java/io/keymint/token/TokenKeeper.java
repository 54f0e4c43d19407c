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
import io.keymint.kube.Outcome;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.RolloutRestart;
import io.keymint.kube.StatusUpdates;
import io.keymint.kube.Times;
import io.keymint.oauth.TokenResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one access token fresh in its Secret; shared by AppToken and PlatformToken. A token is
 * minted only when there is none, it falls due, its source changed, or a refresh was asked for;
 * otherwise nothing is requested, also after an operator restart (the expiry is read back from the
 * Secret). Transient failures keep the last token while it is valid; permanent ones are not
 * retried until the source changes.
 */
public final class TokenKeeper {

  private static final Logger log = LoggerFactory.getLogger(TokenKeeper.class);
  /** Asleep this long at most, so a resource is looked at now and then even with no event. */
  static final Duration MAX_WAIT = Duration.ofHours(1);

  private final KubernetesClient client;
  private final Clock clock;
  private final DoubleSupplier random;

  public TokenKeeper(KubernetesClient client, Clock clock, DoubleSupplier random) {
    this.client = client;
    this.clock = clock;
    this.random = random;
  }

  /**
   * A token resource as the keeper sees it.
   *
   * @param current    the token Secret as cached by the informer, or null
   * @param sourceHash fingerprint of everything the token is minted from (never of a secret value):
   *                   when it changes, a new token is minted at once
   */
  public record Target(HasMetadata owner, TokenStatus status, String secretName, SecretTemplate template,
      RefreshPolicy refresh, List<RolloutTarget> rolloutRestart, Secret current, String sourceHash) {}

  /** The outcome for the conditions and when to look again. */
  public record Result(Outcome outcome, Duration next) {}

  public Result keep(Target target, Supplier<TokenResponse> mint) {
    Instant now = clock.instant();
    TokenStatus status = target.status();
    status.secretName = target.secretName();
    OutputSecrets secrets = new OutputSecrets(client);
    Secret current = secrets.requireWritable(target.owner(), target.secretName(), target.current());
    Map<String, String> data = current == null ? null : OutputSecrets.decode(current);
    Instant expiresAt = TokenSecretData.expiresAt(data);
    boolean intact = current != null && expiresAt != null && OutputSecrets.isIntact(current, TokenSecretData.KEYS);
    String refreshRequest = annotation(target.owner(), Labels.REFRESH);
    boolean refreshRequested = refreshRequest != null && !refreshRequest.equals(status.lastRefreshRequest);
    boolean sameSource = target.sourceHash().equals(status.sourceHash);

    if (intact && sameSource && !refreshRequested) {
      Instant refreshAt = refreshAt(target, expiresAt, now);
      if (now.isBefore(refreshAt)) { // fresh: no token request
        secrets.apply(current, OutputSecrets.desired(target.owner(), target.secretName(), data, target.template()));
        status.expiresAt = Times.format(expiresAt);
        status.refreshAt = Times.format(refreshAt);
        return new Result(issued(target, status), wait(now, refreshAt));
      }
    }
    if (sameSource && !refreshRequested && isStalled(status)) { // a permanent failure: wait for a change
      return new Result(Outcome.stalled(status.condition(Condition.STALLED).reason,
          status.condition(Condition.STALLED).message), MAX_WAIT);
    }
    status.sourceHash = target.sourceHash();
    status.lastRefreshRequest = refreshRequest;
    try {
      TokenResponse token = mint.get();
      boolean replaced = data != null && data.containsKey(TokenSecretData.ACCESS_TOKEN);
      secrets.apply(current, OutputSecrets.desired(target.owner(), target.secretName(), TokenSecretData.of(token),
          target.template()));
      Instant refreshAt = new RefreshSchedule(target.refresh(), random).refreshAt(token.issuedAt(), token.expiresAt());
      status.expiresAt = Times.format(token.expiresAt());
      status.refreshAt = Times.format(refreshAt);
      status.lastRefreshTime = Times.format(token.issuedAt());
      status.tokenType = token.tokenType();
      status.scope = token.scope();
      status.audiences = token.audiences().isEmpty() ? null : token.audiences();
      status.failedAttempts = null;
      status.lastFailureTime = null;
      List<String> notRestarted = replaced
          ? RolloutRestart.restart(client, target.owner(), target.rolloutRestart(), now) : List.of();
      log.debug("{} {}/{}: new token in Secret {}, expires {}, refresh at {}", target.owner().getKind(),
          target.owner().getMetadata().getNamespace(), target.owner().getMetadata().getName(), target.secretName(),
          status.expiresAt, status.refreshAt);
      Outcome outcome = issued(target, status);
      if (!notRestarted.isEmpty()) {
        outcome = Outcome.ready(outcome.reason(), outcome.message() + "; rolloutRestart: " + String.join(", ", notRestarted));
      }
      return new Result(outcome, wait(now, refreshAt));
    } catch (ReconcileException e) {
      return failed(target, e, intact && expiresAt.isAfter(now) ? expiresAt : null, now);
    }
  }

  /** A failure: the last token stays in the Secret while it is valid. */
  private Result failed(Target target, ReconcileException e, Instant validUntil, Instant now) {
    TokenStatus status = target.status();
    Duration next = StatusUpdates.recordFailure(status, e, now, MAX_WAIT);
    log.warn("{} {}/{}: {}: {}", target.owner().getKind(), target.owner().getMetadata().getNamespace(),
        target.owner().getMetadata().getName(), e.reason(), e.getMessage());
    String kept = validUntil == null ? "" : "; the last token stays in Secret '" + target.secretName()
        + "' until it expires at " + Times.format(validUntil);
    if (!e.isRetryable()) {
      return new Result(Outcome.stalled(e.reason(), e.getMessage() + kept), next);
    }
    if (validUntil == null) {
      return new Result(Outcome.progressing(e.reason(), e.getMessage() + "; retrying"), next);
    }
    Duration untilExpiry = Duration.between(now, validUntil);
    return new Result(Outcome.readyRetrying(e.reason(), e.getMessage() + "; retrying" + kept),
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

  private static Outcome issued(Target target, TokenStatus status) {
    return Outcome.ready(Reasons.TOKEN_ISSUED, "token in Secret '" + target.secretName() + "' expires at "
        + status.expiresAt + "; next refresh at " + status.refreshAt);
  }

  private static boolean isStalled(TokenStatus status) {
    Condition stalled = status.condition(Condition.STALLED);
    return stalled != null && "True".equals(stalled.status);
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
