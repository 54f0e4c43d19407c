package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KEYMINT_MAX_CONCURRENT_PER_NAMESPACE: the resources of one namespace, of every kind together,
 * hold at most that many of JOSDK's shared reconcile threads at once. JOSDK has no such limit, so
 * each reconciler passes its work through here: a reconcile (or cleanup) that finds its namespace
 * at its limit does nothing at all (no status write, no call to anything) and joins the namespace's
 * queue. Its thread is free again at once, so a namespace whose token endpoint answers slowly waits
 * for its own threads and never for anyone else's.
 *
 * <p>Nothing polls: when a slot is given back, the first resource in the queue is woken (through
 * the event source its reconciler registered with {@link #wakeWith}) and the slot is promised to it;
 * whoever else comes along meanwhile, the resource that just gave the slot back included, queues
 * behind. A woken resource that does not come back within {@link #WAITER_GONE} (deleted, say) loses
 * its promise to the next. A queued resource also comes back by itself after {@link #RETRY} plus
 * jitter, in case a wake-up went nowhere. A thousand resources created at once in one namespace
 * therefore cost one deferred reconcile each, not one every second until their turn. Only
 * namespaces with work in flight or queued take memory here.
 */
public final class NamespaceFairness {

  private static final Logger log = LoggerFactory.getLogger(NamespaceFairness.class);

  /** How soon a queued reconcile comes back by itself, before the jitter (up to as much again); a wake-up comes sooner. */
  static final Duration RETRY = Duration.ofSeconds(5);
  /** A woken resource that has not come back for this long has gone away: its promised slot goes to the next. */
  static final Duration WAITER_GONE = Duration.ofSeconds(2);

  /** One namespace's slots in use, the slots promised to woken resources, and the queue in order of arrival. */
  private static final class Share {
    int held;
    int promised;
    final Map<String, Waiter> queue = new LinkedHashMap<>();

    int unpromised(int limit) {
      return limit - held - promised;
    }
  }

  /** A queued resource: when it last came and was deferred, and when it was woken (null: not yet). */
  private static final class Waiter {
    final String kind;
    final ResourceID id;
    Instant seen;
    Instant woken;

    Waiter(String kind, ResourceID id, Instant seen) {
      this.kind = kind;
      this.id = id;
      this.seen = seen;
    }
  }

  private final int limit;
  private final DoubleSupplier random;
  private final Clock clock;
  private final KeymintMetrics metrics;
  private final Map<String, Share> shares = new ConcurrentHashMap<>();
  private final Map<String, Consumer<ResourceID>> wakers = new ConcurrentHashMap<>();
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

  /** How the resources of {@code kind} are woken when a slot is theirs (their reconciler's event source). */
  public void wakeWith(String kind, Consumer<ResourceID> wake) {
    wakers.put(kind, wake);
  }

  /** The event source that wakes the resources of {@code kind} when a slot is theirs: every reconciler registers one. */
  public <P extends HasMetadata> EventSource<Void, P> wakeUps(String kind) {
    SimpleInboundEventSource<P> source = new SimpleInboundEventSource<>("namespace-fairness");
    wakeWith(kind, source::propagateEvent);
    return source;
  }

  /** Runs the reconcile when its namespace has a slot for it; else, at once, an UpdateControl that waits for its turn. */
  public <R extends HasMetadata> UpdateControl<R> reconcile(R resource, Supplier<UpdateControl<R>> reconcile) {
    return withSlot(resource, reconcile, () -> UpdateControl.<R>noUpdate().rescheduleAfter(retryDelay()));
  }

  /** Runs the cleanup when its namespace has a slot for it; else, at once, a DeleteControl that keeps the finalizer. */
  public DeleteControl cleanup(HasMetadata resource, Supplier<DeleteControl> cleanup) {
    return withSlot(resource, cleanup, () -> DeleteControl.noFinalizerRemoval().rescheduleAfter(retryDelay().toMillis()));
  }

  private <T> T withSlot(HasMetadata resource, Supplier<T> work, Supplier<T> deferred) {
    String namespace = Objects.requireNonNullElse(resource.getMetadata().getNamespace(), "");
    if (!tryTake(namespace, resource.getKind(), resource.getMetadata().getName())) {
      log.debug("{} {}/{}: deferred, its namespace holds its share of the reconcile threads", resource.getKind(), namespace,
          resource.getMetadata().getName());
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
   * Takes one of the namespace's slots for the resource: the one promised to it when it was woken,
   * or one promised to no one (then no one is queued for it). Otherwise the resource is queued, or
   * keeps its place in the queue.
   */
  boolean tryTake(String namespace, String kind, String name) {
    Instant now = clock.instant();
    String key = kind + "/" + name;
    boolean[] taken = {false};
    shares.compute(namespace, (ns, share) -> {
      Share s = share == null ? new Share() : share;
      Waiter waiter = s.queue.get(key);
      if (waiter != null && waiter.woken != null) {
        s.queue.remove(key);
        s.promised--;
        taken[0] = true;
      } else if (s.unpromised(limit) > 0) {
        s.queue.remove(key);
        taken[0] = true;
      } else if (waiter == null) {
        s.queue.put(key, new Waiter(kind, new ResourceID(name, namespace), now));
      } else {
        waiter.seen = now;
      }
      if (taken[0]) {
        s.held++;
      }
      return s;
    });
    sweep(now);
    return taken[0];
  }

  /** Gives a slot back and wakes the next in the queue; a namespace with none held and none queued leaves the table. */
  void giveBack(String namespace) {
    Instant now = clock.instant();
    List<Waiter> woken = new ArrayList<>();
    shares.computeIfPresent(namespace, (ns, s) -> {
      s.held--;
      wakeNext(s, now, woken);
      return s.held <= 0 && s.queue.isEmpty() ? null : s;
    });
    wake(woken);
    sweep(now);
  }

  /** Promises every slot no one holds or was promised to the first not yet woken in the queue. */
  private void wakeNext(Share s, Instant now, List<Waiter> woken) {
    for (Iterator<Waiter> queued = s.queue.values().iterator(); queued.hasNext() && s.unpromised(limit) > 0; ) {
      Waiter waiter = queued.next();
      if (waiter.woken == null) {
        waiter.woken = now;
        s.promised++;
        woken.add(waiter);
      }
    }
  }

  private void wake(List<Waiter> woken) {
    for (Waiter waiter : woken) {
      Consumer<ResourceID> wake = wakers.get(waiter.kind);
      if (wake != null) {
        log.debug("{} {}/{}: woken, a reconcile thread of its namespace's share is free", waiter.kind, waiter.id.getNamespace()
            .orElse(""), waiter.id.getName());
        wake.accept(waiter.id);
      }
    }
  }

  /**
   * Now and then: a woken resource that did not come back, or a queued one not seen for two of its
   * longest retries, has gone away; its promise goes to the next, and idle namespaces leave the table.
   */
  private void sweep(Instant now) {
    if (now.isBefore(nextSweep)) {
      return;
    }
    nextSweep = now.plus(WAITER_GONE);
    List<Waiter> woken = new ArrayList<>();
    shares.keySet().forEach(ns -> shares.computeIfPresent(ns, (k, s) -> {
      s.queue.values().removeIf(waiter -> {
        boolean gone = waiter.woken != null ? !waiter.woken.isAfter(now.minus(WAITER_GONE))
            : !waiter.seen.isAfter(now.minus(RETRY.multipliedBy(4)));
        if (gone && waiter.woken != null) {
          s.promised--;
        }
        return gone;
      });
      wakeNext(s, now, woken);
      return s.held <= 0 && s.queue.isEmpty() ? null : s;
    }));
    wake(woken);
  }

  /** Slots the namespace holds now. */
  int held(String namespace) {
    Share share = shares.get(namespace);
    return share == null ? 0 : share.held;
  }

  /** Namespaces with work in flight or queued. */
  int namespaces() {
    return shares.size();
  }

  /** {@link #RETRY} plus jitter up to as much again, so queued reconciles do not all come back in the same instant. */
  Duration retryDelay() {
    return RETRY.plusMillis((long) (RETRY.toMillis() * random.getAsDouble()));
  }
}
