package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.Labels;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * How Keymint watches Secrets, so that its memory holds the content of its own Secrets only
 * (API.md, "Tenant boundary"):
 * <ul>
 *   <li>{@link #own}: the Secrets with Keymint's {@code managed-by} label. Only those Keymint owns by
 *       {@link SecretOwners}' rule (what Keymint wrote: controller owner reference and expected name)
 *       are kept whole; any other Secret with the label (anyone can set one) is kept as a version and
 *       its controller reference only, like the others;</li>
 *   <li>{@link #others}: every other Secret, kept as a version only ({@link VersionOnlyStore}): a change
 *       to a Secret a resource names still wakes that resource at once, and its content is read from
 *       the API server when it is needed ({@link #read}).</li>
 * </ul>
 * Every list comes in pages, and each informer (one per watched namespace) has a store of its own.
 */
public final class SecretInformers {

  /** The name of the informer of Keymint's own Secrets in every reconciler. */
  public static final String OWN = "keymint-secrets";
  public static final String OTHERS = "other-secrets";
  /** The initial list of Secrets comes in pages, so it never sits in memory whole. */
  static final long LIST_PAGE = 250;

  private SecretInformers() {}

  /**
   * The Secrets matching {@code labelSelector}, mapped to the primaries that control or name them; kept
   * whole only when {@code owners} says Keymint owns them.
   */
  public static <P extends HasMetadata> InformerEventSource<Secret, P> own(EventSourceContext<P> context,
      String labelSelector, SecretReferences<P> references, SecretOwners owners) {
    return own(context, labelSelector, references, owners, null);
  }

  /** {@link #own}, shared with the other reconcilers through {@code shared}. */
  public static <P extends HasMetadata> InformerEventSource<Secret, P> own(EventSourceContext<P> context,
      String labelSelector, SecretReferences<P> references, SecretOwners owners, SharedSecrets shared) {
    SecondaryToPrimaryMapper<Secret> ownedOrNamed = references::concerned;
    Set<VersionOnlyStore> stores = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    return new OwnSecrets<>(withStorePerInformer(InformerEventSourceConfiguration.from(Secret.class, context.getPrimaryResourceClass())
        .withName(OWN)
        .withLabelSelector(labelSelector)
        .withInformerListLimit(LIST_PAGE)
        .withSecondaryToPrimaryMapper(ownedOrNamed)
        .withNamespacesInheritedFromController()
        .build(), () -> {
          VersionOnlyStore store = new VersionOnlyStore(owners);
          stores.add(store);
          return store;
        }), context, owners, stores, shared);
  }

  /** Every Secret Keymint did not write, as versions only, mapped to the primaries that name them. */
  public static <P extends HasMetadata> InformerEventSource<Secret, P> others(EventSourceContext<P> context,
      SecretReferences<P> references) {
    SecondaryToPrimaryMapper<Secret> named = references::naming;
    return new InformerEventSource<>(withStorePerInformer(InformerEventSourceConfiguration.from(Secret.class, context.getPrimaryResourceClass())
        .withName(OTHERS)
        .withLabelSelector(Labels.MANAGED_BY + "!=" + Labels.MANAGED_BY_VALUE)
        .withInformerListLimit(LIST_PAGE)
        .withSecondaryToPrimaryMapper(named)
        .withNamespacesInheritedFromController()
        .build(), VersionOnlyStore::new), context);
  }

  /**
   * Keymint's own Secret of that name from the cache; a Secret of that name that the cache holds as a
   * version only (not Keymint's by {@link SecretOwners}' rule, or its owner not cached yet) read from
   * the API server now; null if there is none. Never a version-only entry.
   */
  public static Secret cached(Context<?> context, String namespace, String name) {
    OwnSecrets<?> own = ownInformer(context);
    return own.get(new ResourceID(name, namespace)).map(own::whole).orElse(null);
  }

  /**
   * The Secret of that name as far as the informers of a reconciler with both ({@link #own} and
   * {@link #others}) know: Keymint's own from the cache; one they hold as a version only (someone
   * else's, or Keymint's with its label gone) read from the API server now; null when neither holds
   * one, without asking the API server (a create that meets one all the same gets a 409, and
   * {@link OutputSecrets#apply} reads it then).
   */
  public static Secret current(Context<?> context, String namespace, String name) {
    Secret own = cached(context, namespace, name);
    if (own != null) {
      return own;
    }
    return othersInformer(context).get(new ResourceID(name, namespace)).isEmpty() ? null
        : context.getClient().secrets().inNamespace(namespace).withName(name).get();
  }

  /**
   * The Secret of that name as the informers hold it: whole when it is Keymint's, else as a version
   * only (uid and resourceVersion, no content); read from the API server only when neither informer
   * holds it (their watch may be behind); null if there is none.
   */
  public static Secret known(Context<?> context, String namespace, String name) {
    ResourceID id = new ResourceID(name, namespace);
    return ownInformer(context).get(id)
        .or(() -> othersInformer(context).get(id))
        .orElseGet(() -> context.getClient().secrets().inNamespace(namespace).withName(name).get());
  }

  /** A Secret a resource names: Keymint's own from the cache, any other read from the API server now; null if none. */
  public static Secret read(Context<?> context, String namespace, String name) {
    Secret own = cached(context, namespace, name);
    return own != null ? own : context.getClient().secrets().inNamespace(namespace).withName(name).get();
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<Secret, ?> othersInformer(Context<?> context) {
    return (InformerEventSource<Secret, ?>) context.eventSourceRetriever().getEventSourceFor(Secret.class, OTHERS);
  }

  static OwnSecrets<?> ownInformer(Context<?> context) {
    return (OwnSecrets<?>) context.eventSourceRetriever().getEventSourceFor(Secret.class, OWN);
  }

  /**
   * The informer of {@link #own}: what it returns is whole or, for a Secret it keeps as a version
   * only, just metadata; {@link #whole} and {@link #getSecondaryResources} read such a Secret from the
   * API server where a reader needs its content.
   */
  static final class OwnSecrets<P extends HasMetadata> extends InformerEventSource<Secret, P> {

    private final KubernetesClient client;
    private final SecretOwners owners;
    private final Set<VersionOnlyStore> stores;
    private final SharedSecrets shared;

    OwnSecrets(InformerEventSourceConfiguration<Secret> configuration, EventSourceContext<P> context, SecretOwners owners,
        Set<VersionOnlyStore> stores, SharedSecrets shared) {
      super(configuration, context);
      this.client = context.getClient();
      this.owners = owners;
      this.stores = stores;
      this.shared = shared;
      if (shared != null) {
        shared.watchedBy(this);
      }
    }

    @Override
    public void onAdd(Secret secret) {
      super.onAdd(secret);
      share(secret);
    }

    @Override
    public void onUpdate(Secret previous, Secret secret) {
      super.onUpdate(previous, secret);
      share(secret);
    }

    @Override
    public void onDelete(Secret secret, boolean finalStateUnknown) {
      super.onDelete(secret, finalStateUnknown);
      share(secret);
    }

    private void share(Secret secret) {
      if (shared != null) {
        shared.changed(secret);
      }
    }

    /**
     * {@code secret} itself when it is whole; else the Secret read from the API server now (null if it
     * is gone), which replaces the version in the cache when Keymint owns it (its owner was not
     * cached yet when the informer saw it).
     */
    Secret whole(Secret secret) {
      if (!VersionOnlyStore.isVersionOnly(secret)) {
        return secret;
      }
      Secret read = client.secrets().inNamespace(secret.getMetadata().getNamespace())
          .withName(secret.getMetadata().getName()).get();
      if (read != null) {
        synchronized (stores) {
          stores.forEach(store -> store.promote(read));
        }
      }
      return read;
    }

    /**
     * The Secrets the primary owns or names: whole under the names it expects (its output and state
     * Secrets, read from the API server when cached as versions); any other it controls (e.g. under
     * the name it had before a rename) may be metadata only.
     */
    @Override
    public Set<Secret> getSecondaryResources(P primary) {
      Collection<String> expected = owners.expectedNames(primary);
      return super.getSecondaryResources(primary).stream()
          .map(secret -> expected.contains(secret.getMetadata().getName()) ? whole(secret) : secret)
          .filter(Objects::nonNull)
          .collect(Collectors.toSet());
    }
  }

  /**
   * The configuration with a store of its own for each informer JOSDK makes of it (one per watched
   * namespace). JOSDK hands the one configured store to all of them, and fabric8's (re)list of one
   * namespace removes from its store every key that namespace did not list: a shared store would
   * lose the other namespaces' Secrets at every list.
   */
  private static InformerEventSourceConfiguration<Secret> withStorePerInformer(
      InformerEventSourceConfiguration<Secret> configuration, Supplier<ItemStore<Secret>> stores) {
    InformerConfiguration<Secret> informer = configuration.getInformerConfig();
    InformerConfiguration<Secret> perInformer = new InformerConfiguration<Secret>(Secret.class, informer.getName(),
        informer.getNamespaces(), informer.getFollowControllerNamespaceChanges(), informer.getLabelSelector(),
        informer.getOnAddFilter(), informer.getOnUpdateFilter(), informer.getOnDeleteFilter(), informer.getGenericFilter(),
        null, informer.getInformerListLimit(), informer.getFieldSelector()) {
      @Override
      public ItemStore<Secret> getItemStore() {
        return stores.get();
      }
    };
    return new InformerEventSourceConfiguration<>() {
      @Override
      public InformerConfiguration<Secret> getInformerConfig() {
        return perInformer;
      }

      @Override
      public SecondaryToPrimaryMapper<Secret> getSecondaryToPrimaryMapper() {
        return configuration.getSecondaryToPrimaryMapper();
      }

      @Override
      public <P extends HasMetadata> PrimaryToSecondaryMapper<P> getPrimaryToSecondaryMapper() {
        return configuration.getPrimaryToSecondaryMapper();
      }

      @Override
      public Optional<GroupVersionKind> getGroupVersionKind() {
        return configuration.getGroupVersionKind();
      }

      @Override
      public Optional<KubernetesClient> getKubernetesClient() {
        return configuration.getKubernetesClient();
      }
    };
  }
}
