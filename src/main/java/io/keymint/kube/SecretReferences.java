package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which of a reconciler's resources a Secret event concerns: the one that controls it (by its
 * controller owner reference, checked against the cached resource's uid), and those whose spec names
 * it (by an index of the primary cache). Both are lookups, never a scan of the namespace's
 * resources, so the cost of a Secret event does not grow with the number of resources.
 */
public final class SecretReferences<P extends HasMetadata> {

  private static final String INDEX = "keymint.io/secret-references";

  private final IndexerResourceCache<P> primaries;
  private final String kind;
  private final boolean indexed;

  private SecretReferences(IndexerResourceCache<P> primaries, String kind, boolean indexed) {
    this.primaries = primaries;
    this.kind = kind;
    this.indexed = indexed;
  }

  /** The primaries' references, {@code referencedSecrets} of each, indexed by namespace and Secret name. */
  public static <P extends HasMetadata> SecretReferences<P> indexed(EventSourceContext<P> context,
      Function<P, Collection<String>> referencedSecrets) {
    IndexerResourceCache<P> primaries = context.getPrimaryCache();
    primaries.addIndexer(INDEX, p -> referencedSecrets.apply(p).stream()
        .map(name -> key(p.getMetadata().getNamespace(), name)).toList());
    return new SecretReferences<>(primaries, HasMetadata.getKind(context.getPrimaryResourceClass()), true);
  }

  /** Primaries that name no Secret: only the one that controls a Secret is concerned by it. */
  public static <P extends HasMetadata> SecretReferences<P> ownerOnly(EventSourceContext<P> context) {
    return new SecretReferences<>(context.getPrimaryCache(), HasMetadata.getKind(context.getPrimaryResourceClass()), false);
  }

  /** The primary that controls the Secret (if it is cached with that uid), and those that name it. */
  public Set<ResourceID> concerned(Secret secret) {
    Set<ResourceID> concerned = new HashSet<>(naming(secret));
    OwnerReference controller = SecretOwners.controllerOf(secret);
    if (controller != null && kind.equals(controller.getKind()) && controller.getName() != null) {
      ResourceID id = new ResourceID(controller.getName(), secret.getMetadata().getNamespace());
      primaries.get(id).filter(p -> p.getMetadata().getUid().equals(controller.getUid())).ifPresent(p -> concerned.add(id));
    }
    return concerned;
  }

  /** The primaries whose spec names the Secret. */
  public Set<ResourceID> naming(Secret secret) {
    if (!indexed) {
      return Set.of();
    }
    List<P> naming = primaries.byIndex(INDEX, key(secret.getMetadata().getNamespace(), secret.getMetadata().getName()));
    Set<ResourceID> ids = new HashSet<>();
    naming.forEach(p -> ids.add(ResourceID.fromResource(p)));
    return ids;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
