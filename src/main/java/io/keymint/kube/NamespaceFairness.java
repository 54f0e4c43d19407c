package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.observe.KeymintMetrics;
import java.time.Duration;
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
 * limit still progresses (its slots are in use by its own resources, and the deferred ones try
 * again within seconds); which of its resources goes next is left to the jitter. Only namespaces
 * with work in flight take memory here.
 */
public final class NamespaceFairness {

  /** How soon a deferred reconcile is tried again, before the jitter (up to as much again). */
  static final Duration RETRY = Duration.ofMillis(500);

  private final int limit;
  private final DoubleSupplier random;
  private final KeymintMetrics metrics;
  private final Map<String, Integer> held = new ConcurrentHashMap<>();

  /**
   * @param limit   reconciles of one namespace that may run at once
   * @param random  uniform in [0, 1): the jitter's source, fixed in tests
   * @param metrics counts the reconciles deferred, per namespace
   */
  public NamespaceFairness(int limit, DoubleSupplier random, KeymintMetrics metrics) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    this.limit = limit;
    this.random = random;
    this.metrics = metrics;
  }

  /** Runs the reconcile when its namespace has a slot free; else, at once, an UpdateControl that tries again soon. */
  public <R extends HasMetadata> UpdateControl<R> reconcile(R resource, Supplier<UpdateControl<R>> reconcile) {
    return withSlot(resource, reconcile, () -> UpdateControl.<R>noUpdate().rescheduleAfter(retryDelay()));
  }

  /** Runs the cleanup when its namespace has a slot free; else, at once, a DeleteControl that keeps the finalizer and tries again soon. */
  public DeleteControl cleanup(HasMetadata resource, Supplier<DeleteControl> cleanup) {
    return withSlot(resource, cleanup, () -> DeleteControl.noFinalizerRemoval().rescheduleAfter(retryDelay().toMillis()));
  }

  private <T> T withSlot(HasMetadata resource, Supplier<T> work, Supplier<T> deferred) {
    String namespace = Objects.requireNonNullElse(resource.getMetadata().getNamespace(), "");
    if (!tryTake(namespace)) {
      metrics.reconcileDeferred(namespace);
      return deferred.get();
    }
    try {
      return work.get();
    } finally {
      giveBack(namespace);
    }
  }

  /** Takes one of the namespace's slots; false when all are held. */
  boolean tryTake(String namespace) {
    boolean[] taken = {false};
    held.compute(namespace, (ns, count) -> {
      int now = count == null ? 0 : count;
      taken[0] = now < limit;
      return taken[0] ? now + 1 : now;
    });
    return taken[0];
  }

  /** Gives a slot back; a namespace with none held leaves the table. */
  void giveBack(String namespace) {
    held.computeIfPresent(namespace, (ns, count) -> count <= 1 ? null : count - 1);
  }

  /** Slots the namespace holds now. */
  int held(String namespace) {
    return held.getOrDefault(namespace, 0);
  }

  /** {@link #RETRY} plus jitter up to as much again, so deferred reconciles do not all come back in the same instant. */
  Duration retryDelay() {
    return RETRY.plusMillis((long) (RETRY.toMillis() * random.getAsDouble()));
  }
}
