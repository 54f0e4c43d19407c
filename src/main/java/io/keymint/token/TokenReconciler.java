package io.keymint.token;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.api.Reasons;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.RolloutTarget;
import io.keymint.api.TokenSecret;
import io.keymint.api.TokenStatus;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.NamespaceFairness;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.ReconcileResult;
import io.keymint.kube.SecretInformers;
import io.keymint.kube.StatusUpdates;
import io.keymint.kube.Times;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reconcile of a token resource (AppToken, PlatformToken): once its namespace has a thread to
 * spare, work out where the token comes from ({@link #plan}), then let the {@link TokenKeeper} keep
 * it fresh. Subclasses say only where tokens come from and what to watch.
 */
public abstract class TokenReconciler<R extends CustomResource<?, S>, S extends TokenStatus> implements Reconciler<R> {

  /** How long to wait for a ClientApplication at most; its own events usually come first. */
  static final Duration WAIT_FOR_APPLICATION = Duration.ofMinutes(5);

  protected final Clock clock;
  private final KeymintMetrics metrics;
  private final Duration rolloutMinInterval;
  /** The per-namespace share of the reconcile threads; cleanups pass through it too. */
  protected final NamespaceFairness fairness;
  private final MintAttempts attempts;
  private final AtomicBoolean expiriesWatched = new AtomicBoolean();

  /**
   * @param config   KEYMINT_ROLLOUT_MIN_INTERVAL (a workload in rolloutRestart is restarted at most once per this)
   *                 and KEYMINT_MIN_MINT_INTERVAL (a resource asks its token endpoint at most once per this)
   * @param fairness the per-namespace share of the reconcile threads, one for all kinds
   */
  protected TokenReconciler(OperatorConfig config, NamespaceFairness fairness, Clock clock, KeymintMetrics metrics) {
    this.clock = clock;
    this.metrics = metrics;
    this.rolloutMinInterval = config.rolloutMinInterval();
    this.fairness = fairness;
    this.attempts = new MintAttempts(config.minMintInterval());
  }

  /** What to keep fresh, and where from. */
  public record Plan(String secretName, TokenSecret secret, RefreshPolicy refresh, List<RolloutTarget> rolloutRestart,
      TokenSource source) {}

  /** Validates the resource and resolves its source; throws {@link ReconcileException} when it cannot. */
  protected abstract Plan plan(R resource, Context<R> context, Instant now);

  protected abstract S newStatus();

  /** The reconcile, when the resource's namespace has a reconcile thread to spare ({@link NamespaceFairness}). */
  @Override
  public UpdateControl<R> reconcile(R resource, Context<R> context) {
    return fairness.reconcile(resource, () -> reconcileNow(resource, context));
  }

  private UpdateControl<R> reconcileNow(R resource, Context<R> context) {
    if (expiriesWatched.compareAndSet(false, true)) { // the expiry gauge reads the primary cache at each scrape
      var primaries = context.getPrimaryCache();
      metrics.watchTokens(() -> primaries.list().map(r -> new KeymintMetrics.TokenExpiry(r.getKind(),
          r.getMetadata().getNamespace(), r.getMetadata().getName(),
          r.getStatus() == null ? null : Times.parse(r.getStatus().expiresAt))));
    }
    if (resource.getStatus() == null) {
      resource.setStatus(newStatus());
    }
    S status = resource.getStatus();
    String before = StatusUpdates.snapshot(status);
    Instant now = clock.instant();
    ReconcileResult result;
    try {
      Plan plan = plan(resource, context, now);
      Secret current = SecretInformers.current(context, resource.getMetadata().getNamespace(), plan.secretName());
      result = new TokenKeeper(context.getClient(), OutputSecrets.of(context), clock, ThreadLocalRandom.current()::nextDouble,
          metrics, rolloutMinInterval, attempts)
          .keep(new TokenKeeper.Target(resource, status, plan.secretName(),
              plan.secret() == null ? null : plan.secret().template, plan.refresh(), plan.rolloutRestart(), current,
              plan.source().hash(), plan.source().record()), plan.source().mint());
    } catch (ReconcileException e) {
      result = StatusUpdates.failure(status, e, now, WAIT_FOR_APPLICATION);
      if (Reasons.CLIENT_APPLICATION_NOT_READY.equals(e.reason())) {
        result = new ReconcileResult(result.outcome(), WAIT_FOR_APPLICATION); // its own events wake us
      }
    } catch (RuntimeException e) {
      result = StatusUpdates.unexpected(resource, status, e, now);
    }
    return StatusUpdates.finish(context, resource, status, before, result, now);
  }
}
