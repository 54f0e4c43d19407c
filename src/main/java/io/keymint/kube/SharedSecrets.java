package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.keymint.api.Reasons;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One reconciler's own Secret informer, shared with the other reconcilers instead of each watching
 * the same Secrets again: Keymint watches each kind of Secret it writes once. The ClientApplications'
 * Secrets are watched by the ClientApplication reconciler ({@link SecretInformers#own}); the token
 * reconcilers read application credentials from that cache ({@link #get}) and are woken through it
 * when an application's Secret changes ({@link #wakeUps}), whoever wrote it.
 */
public final class SharedSecrets {

  /** How long a reader waits at start-up for the owning reconciler's informer to have listed its Secrets. */
  static final Duration START_WAIT = Duration.ofSeconds(60);

  private final String ownerKind;
  private final List<Consumer<Secret>> listeners = new CopyOnWriteArrayList<>();
  private volatile SecretInformers.OwnSecrets<?> informer;

  /** @param ownerKind the kind of resource that owns these Secrets (their controller owner reference's kind) */
  public SharedSecrets(String ownerKind) {
    this.ownerKind = ownerKind;
  }

  /** Called once, by {@link SecretInformers#own}, with the informer that watches these Secrets. */
  void watchedBy(SecretInformers.OwnSecrets<?> informer) {
    this.informer = informer;
  }

  /** Every add, change and delete the informer sees, Keymint's own writes included. */
  void changed(Secret secret) {
    listeners.forEach(listener -> listener.accept(secret));
  }

  /**
   * The Secret of that name, whole, from the shared cache (one held as a version only is read from the
   * API server, see {@link SecretInformers#cached}); null if there is none. Right after start-up it
   * waits, up to {@link #START_WAIT}, for the informer to have listed the Secrets.
   */
  public Secret get(String namespace, String name) {
    SecretInformers.OwnSecrets<?> watched = awaitStarted();
    return watched.get(new ResourceID(name, namespace)).map(watched::whole).orElse(null);
  }

  private SecretInformers.OwnSecrets<?> awaitStarted() {
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    SecretInformers.OwnSecrets<?> watched = informer;
    while (watched == null || !watched.isRunning()) {
      if (System.nanoTime() > deadline) {
        throw ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR,
            "Keymint's watch of " + ownerKind + " Secrets has not started yet");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR, "interrupted while starting");
      }
      watched = informer;
    }
    return watched;
  }

  /**
   * An event source of another reconciler: when a Secret of an owner changes, it wakes that
   * reconciler's resources that use the owner ({@code ownersUsed}: owner names, found through an
   * index of the primary cache, never by a scan).
   */
  public <P extends HasMetadata> EventSource<Void, P> wakeUps(EventSourceContext<P> context,
      Function<P, Collection<String>> ownersUsed) {
    String index = "keymint.io/uses-" + ownerKind;
    IndexerResourceCache<P> primaries = context.getPrimaryCache();
    primaries.addIndexer(index, p -> ownersUsed.apply(p).stream().map(o -> p.getMetadata().getNamespace() + "/" + o).toList());
    SimpleInboundEventSource<P> source = new SimpleInboundEventSource<>(ownerKind + "-secrets");
    listeners.add(secret -> {
      OwnerReference controller = SecretOwners.controllerOf(secret);
      if (controller != null && ownerKind.equals(controller.getKind()) && controller.getName() != null) {
        primaries.byIndex(index, secret.getMetadata().getNamespace() + "/" + controller.getName())
            .forEach(p -> source.propagateEvent(ResourceID.fromResource(p)));
      }
    });
    return source;
  }
}
