package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * KEYMINT_MAX_CONCURRENT_PER_NAMESPACE: the resources of one namespace, of every kind together,
 * hold at most that many of JOSDK's shared reconcile threads at once. JOSDK has no such limit, so
 * each reconciler passes its work through here: a reconcile (or cleanup) that finds its namespace
 * at its limit does nothing at all (no status write, no call to anything) and asks to be run again
 * after {@link #RETRY} plus up to as much jitter. Its thread is free again at once, so a namespace
 * whose token endpoint answers slowly waits for its own threads and never for anyone else's.
 *
 * <p>Nothing blocks: a held slot is given back when the work returns or throws. A namespace at its
 * limit still progresses, and so does each of its resources: a resource that was deferred and comes
 * back goes before one that was not (JOSDK runs a resource again at once when events arrived while
 * it ran, which would otherwise let the same slow resources take the freed slot time after time).
 * Among those that wait, whoever comes back first goes first; the jitter mixes them. A waiter not
 * seen for {@link #WAITER_GONE} (deleted, say) no longer counts. Only namespaces with work in flight
 * or waiting take memory here.
 */
public final class NamespaceFairness {

  /** How soon a deferred reconcile is tried again, before the jitter (up to as much again). */
  static final Duration RETRY = Duration.ofMillis(500);
  /** A deferred resource that has not come back for this long has gone away (twice its longest retry delay). */
  static final Duration WAITER_GONE = RETRY.multipliedBy(4);

  /** One namespace's slots in use, and the resources waiting for one (when each was last deferred). */
  private static final class Share {
    int held;
    final Map<String, Instant> waiting = new HashMap<>();
  }

  private final int limit;
  private final DoubleSupplier random;
  private final Clock clock;
  private final KeymintMetrics metrics;
  private final Map<String, Share> shares = new ConcurrentHashMap<>();
  private volatile Instant nextSweep = Instant.MIN;

  /**
   * @param limit   reconciles of one namespace that may run at once
   * @param random  uniform in [0, 1): the jitter's source, fixed in tests
   * @param metrics counts the reconciles deferred, per namespace
   */
  public NamespaceFairness(int limit, DoubleSupplier random, Clock clock, KeymintMetrics metrics) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    this.limit = limit;
    this.random = random;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Runs the reconcile when its namespace has a slot for it; else, at once, an UpdateControl to try again soon. */
  public <R extends HasMetadata> UpdateControl<R> reconcile(R resource, Supplier<UpdateControl<R>> reconcile) {
    return withSlot(resource, reconcile, () -> UpdateControl.<R>noUpdate().rescheduleAfter(retryDelay()));
  }

  /**
   * Runs the cleanup when its namespace has a slot for it; else, at once, a DeleteControl that keeps
   * the finalizer and tries again soon.
   */
  public DeleteControl cleanup(HasMetadata resource, Supplier<DeleteControl> cleanup) {
    return withSlot(resource, cleanup, () -> DeleteControl.noFinalizerRemoval().rescheduleAfter(retryDelay().toMillis()));
  }

  private <T> T withSlot(HasMetadata resource, Supplier<T> work, Supplier<T> deferred) {
    String namespace = Objects.requireNonNullElse(resource.getMetadata().getNamespace(), "");
    if (!tryTake(namespace, resource.getKind() + "/" + resource.getMetadata().getName())) {
      metrics.reconcileDeferred(namespace);
      return deferred.get();
    }
    try {
      return work.get();
    } finally {
      giveBack(namespace);
    }
  }

  /**
   * Takes one of the namespace's slots for {@code resource}: when one is free and the resource waited
   * for it, or more are free than others wait for. Otherwise the resource is noted as waiting.
   */
  boolean tryTake(String namespace, String resource) {
    Instant now = clock.instant();
    boolean[] taken = {false};
    shares.compute(namespace, (ns, share) -> {
      Share s = share == null ? new Share() : share;
      forgetGone(s, now);
      boolean waited = s.waiting.remove(resource) != null;
      int free = limit - s.held;
      taken[0] = free > 0 && (waited || free > s.waiting.size());
      if (taken[0]) {
        s.held++;
      } else {
        s.waiting.put(resource, now);
      }
      return s;
    });
    if (!now.isBefore(nextSweep)) { // namespaces no one came back to: their waiters have gone
      nextSweep = now.plus(WAITER_GONE);
      shares.keySet().forEach(ns -> shares.computeIfPresent(ns,
          (k, s) -> forgetGone(s, now).held <= 0 && s.waiting.isEmpty() ? null : s));
    }
    return taken[0];
  }

  private static Share forgetGone(Share share, Instant now) {
    share.waiting.values().removeIf(deferred -> !deferred.isAfter(now.minus(WAITER_GONE)));
    return share;
  }

  /** Gives a slot back; a namespace with none held and none waiting leaves the table. */
  void giveBack(String namespace) {
    shares.computeIfPresent(namespace, (ns, s) -> {
      s.held--;
      return s.held <= 0 && s.waiting.isEmpty() ? null : s;
    });
  }

  /** Slots the namespace holds now. */
  int held(String namespace) {
    Share share = shares.get(namespace);
    return share == null ? 0 : share.held;
  }

  /** Namespaces with work in flight or waiting. */
  int namespaces() {
    return shares.size();
  }

  /** {@link #RETRY} plus jitter up to as much again, so deferred reconciles do not all come back in the same instant. */
  Duration retryDelay() {
    return RETRY.plusMillis((long) (RETRY.toMillis() * random.getAsDouble()));
  }
}
