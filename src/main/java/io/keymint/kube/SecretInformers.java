package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.Labels;
import java.util.Collection;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How Keymint watches Secrets, so that its memory holds the content of its own Secrets only
 * (API.md, "Tenant boundary"):
 * <ul>
 *   <li>{@link #own}: the Secrets Keymint writes, selected by its {@code managed-by} label, content and all;</li>
 *   <li>{@link #others}: every other Secret, kept as a version only ({@link VersionOnlyStore}): a change
 *       to a Secret a resource names still wakes that resource at once, and its content is read from
 *       the API server when it is needed ({@link #read}).</li>
 * </ul>
 */
public final class SecretInformers {

  /** The name of the informer of Keymint's own Secrets in every reconciler. */
  public static final String OWN = "keymint-secrets";
  public static final String OTHERS = "other-secrets";
  /** The initial list of other Secrets comes in pages, so it never sits in memory whole. */
  static final long LIST_PAGE = 250;

  private SecretInformers() {}

  /** Keymint's own Secrets matching {@code labelSelector}, mapped to the primaries that own or name them. */
  public static <P extends HasMetadata> InformerEventSource<Secret, P> own(EventSourceContext<P> context,
      String labelSelector, Function<P, Collection<String>> referencedSecrets) {
    IndexedResourceCache<P> primaries = context.getPrimaryCache();
    SecondaryToPrimaryMapper<Secret> ownedOrNamed = secret -> primaries.list(secret.getMetadata().getNamespace())
        .filter(p -> OutputSecrets.isOwnedBy(secret, p) || referencedSecrets.apply(p).contains(secret.getMetadata().getName()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, context.getPrimaryResourceClass())
        .withName(OWN)
        .withLabelSelector(labelSelector)
        .withSecondaryToPrimaryMapper(ownedOrNamed)
        .withNamespacesInheritedFromController()
        .build(), context);
  }

  /** Every Secret Keymint did not write, as versions only, mapped to the primaries that name them. */
  public static <P extends HasMetadata> InformerEventSource<Secret, P> others(EventSourceContext<P> context,
      Function<P, Collection<String>> referencedSecrets) {
    IndexedResourceCache<P> primaries = context.getPrimaryCache();
    SecondaryToPrimaryMapper<Secret> named = secret -> primaries.list(secret.getMetadata().getNamespace())
        .filter(p -> referencedSecrets.apply(p).contains(secret.getMetadata().getName()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, context.getPrimaryResourceClass())
        .withName(OTHERS)
        .withLabelSelector(Labels.MANAGED_BY + "!=" + Labels.MANAGED_BY_VALUE)
        .withItemStore(new VersionOnlyStore())
        .withInformerListLimit(LIST_PAGE)
        .withSecondaryToPrimaryMapper(named)
        .withNamespacesInheritedFromController()
        .build(), context);
  }

  /** Keymint's own Secret of that name, from the cache, or null. */
  public static Secret cached(Context<?> context, String namespace, String name) {
    return ownInformer(context).get(new ResourceID(name, namespace)).orElse(null);
  }

  /** A Secret a resource names: Keymint's own from the cache, any other read from the API server now; null if none. */
  public static Secret read(Context<?> context, String namespace, String name) {
    Secret own = cached(context, namespace, name);
    return own != null ? own : context.getClient().secrets().inNamespace(namespace).withName(name).get();
  }

  @SuppressWarnings("unchecked")
  static InformerEventSource<Secret, ?> ownInformer(Context<?> context) {
    return (InformerEventSource<Secret, ?>) context.eventSourceRetriever().getEventSourceFor(Secret.class, OWN);
  }
}
