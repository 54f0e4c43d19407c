package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which Secrets Keymint owns, decided by what Keymint itself wrote, never by a label that anyone can
 * put on a Secret (API.md, "Tenant boundary"): a Secret is Keymint's when its controller owner
 * reference names a Keymint resource (API group {@code keymint.io}) that a cache holds now with that
 * uid, and its name is one that resource expects for its output (or state) Secret. So of a tenant's
 * Secrets only the one or two that each of its Keymint resources writes count as Keymint's, however
 * many carry Keymint's label or an owner reference to one of its resources.
 *
 * <p>Owners are looked up in informer caches: one that is behind (a Secret seen before its owner) only
 * makes a Secret of Keymint's look foreign for a while, never the reverse; readers then fetch it
 * ({@link SecretInformers#cached}).
 */
public final class SecretOwners implements Predicate<Secret> {

  /**
   * A kind of Keymint resource that owns Secrets.
   *
   * @param lookup        the resource of that namespace and name, from a cache, if there is one
   * @param expectedNames the names of the Secrets such a resource writes (from its spec)
   */
  public record Owner<O extends HasMetadata>(Class<O> type, Function<ResourceID, Optional<O>> lookup,
      Function<O, Collection<String>> expectedNames) {

    String group() {
      return HasMetadata.getGroup(type);
    }

    String kind() {
      return HasMetadata.getKind(type);
    }

    /** The Secret names {@code resource} expects, if it is one of this kind; else none. */
    Collection<String> expectedNamesOf(HasMetadata resource) {
      return type.isInstance(resource) ? expectedNames.apply(type.cast(resource)) : Set.of();
    }

    boolean owns(OwnerReference controller, Secret secret) {
      if (controller.getName() == null || controller.getUid() == null) {
        return false;
      }
      return lookup.apply(new ResourceID(controller.getName(), secret.getMetadata().getNamespace()))
          .filter(owner -> controller.getUid().equals(owner.getMetadata().getUid()))
          .map(owner -> expectedNames.apply(owner).contains(secret.getMetadata().getName()))
          .orElse(false);
    }
  }

  private final Map<String, Owner<?>> byKind;

  private SecretOwners(List<Owner<?>> owners) {
    this.byKind = owners.stream().collect(Collectors.toMap(o -> o.group() + "/" + o.kind(), o -> o));
  }

  public static SecretOwners of(Owner<?>... owners) {
    return new SecretOwners(List.of(owners));
  }

  /** The reconciler's own resources, looked up in its primary cache (listed before any other informer starts). */
  public static <P extends HasMetadata> Owner<P> primaries(EventSourceContext<P> context,
      Function<P, Collection<String>> expectedNames) {
    return new Owner<>(context.getPrimaryResourceClass(), context.getPrimaryCache()::get, expectedNames);
  }

  /** Whether Keymint owns this Secret (see the class comment). */
  @Override
  public boolean test(Secret secret) {
    OwnerReference controller = controllerOf(secret);
    if (controller == null || controller.getApiVersion() == null) {
      return false;
    }
    String apiVersion = controller.getApiVersion();
    int slash = apiVersion.indexOf('/');
    Owner<?> owner = slash < 0 ? null : byKind.get(apiVersion.substring(0, slash) + "/" + controller.getKind());
    return owner != null && owner.owns(controller, secret);
  }

  /** The names of the Secrets {@code resource} writes, if it is of a kind known here; else none. */
  public Collection<String> expectedNames(HasMetadata resource) {
    return byKind.values().stream().flatMap(o -> o.expectedNamesOf(resource).stream()).collect(Collectors.toSet());
  }

  /** The Secret's controller owner reference (Kubernetes allows one at most), or null. */
  static OwnerReference controllerOf(Secret secret) {
    List<OwnerReference> references = secret.getMetadata().getOwnerReferences();
    return references == null ? null
        : references.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
  }
}
