package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.Labels;
import io.keymint.api.Reasons;
import io.keymint.api.SecretTemplate;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The output Secrets of the contract: type Opaque, Keymint's labels plus the template, an owner
 * reference to the resource, and a Secret Keymint does not own is never overwritten. Writes are
 * merge patches of what changed; nothing is written when nothing changed.
 */
public final class OutputSecrets {

  private final KubernetesClient client;
  private final InformerEventSource<Secret, ?> cache;

  /** @param cache the informer that watches these Secrets: our writes go into it at once, so the next reconcile sees them */
  public OutputSecrets(KubernetesClient client, InformerEventSource<Secret, ?> cache) {
    this.client = client;
    this.cache = cache;
  }

  /** Output Secrets for a reconcile: its client and its Secret informer. */
  @SuppressWarnings("unchecked")
  public static OutputSecrets of(Context<?> context) {
    return new OutputSecrets(context.getClient(), SecretInformers.ownInformer(context));
  }

  /** On an output Secret: the keys Keymint rendered from {@code secret.template.data}, comma-separated. */
  public static final String TEMPLATE_KEYS = "keymint.io/template-keys";

  /** The label selector of every Secret Keymint writes. */
  public static final String SELECTOR = Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE;

  /** The label selector of the Secrets a kind owns (what its informer watches). */
  public static String selectorFor(String kind) {
    return Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE + "," + Labels.KIND + "=" + kind;
  }

  /** The Secret as Keymint wants it. */
  public static Secret desired(HasMetadata owner, String name, Map<String, String> data, SecretTemplate template) {
    return desired(owner, name, data, template, Map.of());
  }

  /**
   * The Secret as Keymint wants it, with annotations of Keymint's own bookkeeping: {@code data}
   * plus the keys rendered from {@code template.data} over it ({@link SecretTemplates}; InvalidSpec
   * when a template cannot be rendered). The data hash covers both, and the rendered keys are
   * listed in {@link #TEMPLATE_KEYS}, so that an edit of one is noticed and a key no longer
   * templated is removed.
   */
  public static Secret desired(HasMetadata owner, String name, Map<String, String> data, SecretTemplate template,
      Map<String, String> ownAnnotations) {
    Map<String, String> rendered = SecretTemplates.render(template == null ? null : template.data, data);
    Map<String, String> all = new TreeMap<>(data);
    all.putAll(rendered);
    Map<String, String> labels = new TreeMap<>();
    Map<String, String> annotations = new TreeMap<>();
    if (template != null) {
      if (template.labels != null) {
        labels.putAll(template.labels);
      }
      if (template.annotations != null) {
        annotations.putAll(template.annotations);
      }
    }
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(Labels.KIND, owner.getKind());
    labels.put(Labels.NAME, owner.getMetadata().getName());
    annotations.putAll(ownAnnotations);
    annotations.remove(TEMPLATE_KEYS);
    if (!rendered.isEmpty()) {
      annotations.put(TEMPLATE_KEYS, String.join(",", rendered.keySet()));
    }
    annotations.put(Labels.DATA_HASH, hash(all));
    Map<String, String> encoded = new TreeMap<>();
    all.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(owner.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(annotations)
          .withOwnerReferences(ownerReference(owner))
        .endMetadata()
        .withType("Opaque")
        .withData(encoded)
        .build();
  }

  public static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  public static boolean isOwnedBy(Secret secret, HasMetadata owner) {
    return secret.getMetadata().getOwnerReferences() != null && secret.getMetadata().getOwnerReferences().stream()
        .anyMatch(r -> Boolean.TRUE.equals(r.getController()) && owner.getMetadata().getUid().equals(r.getUid()));
  }

  /** The Secret's data, decoded. */
  public static Map<String, String> decode(Secret secret) {
    Map<String, String> data = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return data;
  }

  /**
   * Whether the Secret still holds exactly what Keymint wrote (its data matches the hash annotation):
   * {@code keys}, the kind's standard keys, and the keys it rendered from templates.
   */
  public static boolean isIntact(Secret secret, Iterable<String> keys) {
    Map<String, String> data = decode(secret);
    Map<String, String> ours = new TreeMap<>();
    Set<String> all = new TreeSet<>(templateKeys(secret));
    keys.forEach(all::add);
    for (String key : all) {
      if (data.containsKey(key)) {
        ours.put(key, data.get(key));
      }
    }
    String recorded = secret.getMetadata().getAnnotations() == null ? null
        : secret.getMetadata().getAnnotations().get(Labels.DATA_HASH);
    return hash(ours).equals(recorded);
  }

  /** Whether {@code current} already is {@code desired}: same data, desired's labels and annotations, and our owner. */
  public static boolean matches(Secret current, Secret desired) {
    return current != null
        && desired.getData().equals(current.getData())
        && containsAll(current.getMetadata().getLabels(), desired.getMetadata().getLabels())
        && containsAll(current.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations())
        && current.getMetadata().getOwnerReferences() != null
        && current.getMetadata().getOwnerReferences().containsAll(desired.getMetadata().getOwnerReferences());
  }

  /**
   * Fails with {@code SecretConflict} when a Secret of that name exists that {@code owner} does not
   * own. {@code cached} is the informer's copy of our own Secret, if any: then no API call is made.
   */
  public Secret requireWritable(HasMetadata owner, String name, Secret cached) {
    return requireOwned(owner, name, cached != null ? cached
        : client.secrets().inNamespace(owner.getMetadata().getNamespace()).withName(name).get());
  }

  /**
   * Fails with {@code SecretConflict} when {@code existing}, the Secret of that name or null when
   * there is none, is not {@code owner}'s; else returns it.
   */
  public static Secret requireOwned(HasMetadata owner, String name, Secret existing) {
    if (existing != null && !isOwnedBy(existing, owner)) {
      throw ReconcileException.permanent(Reasons.SECRET_CONFLICT, "Secret '" + name
          + "' exists and is not owned by this " + owner.getKind() + "; Keymint never overwrites it"
          + " (delete it, or choose another spec.secret.name)");
    }
    return existing;
  }

  /**
   * Creates the Secret or patches it to {@code desired}; does nothing when it already matches. A
   * create that meets an existing Secret (the cache was behind) reads it from the API server and
   * patches it when it is {@code owner}'s, and reports SecretConflict when it is not.
   */
  public boolean apply(HasMetadata owner, Secret current, Secret desired) {
    return apply(owner, current, desired, Set.of(), Set.of());
  }

  /**
   * Like {@link #apply(HasMetadata, Secret, Secret)}, and removes the keys of {@code removableKeys} and
   * the annotations of {@code removableAnnotations} that {@code desired} does not have (standard keys
   * and bookkeeping of another mode of the resource, e.g. client_secret once a key pair replaced it).
   */
  public boolean apply(HasMetadata owner, Secret current, Secret desired, Set<String> removableKeys,
      Set<String> removableAnnotations) {
    desired = withRemovals(current, desired, removableKeys, removableAnnotations);
    if (matches(current, desired)) {
      return false;
    }
    if (current == null) {
      if (createIfAbsent(owner, desired) != null) {
        return true;
      }
      // there already (the cache was behind): ours to patch, or a SecretConflict
      current = requireWritable(owner, desired.getMetadata().getName(), null);
      if (matches(current, desired)) {
        return false;
      }
    }
    // The Secret is ours already (requireWritable): the patch leaves ownerReferences alone, since a
    // merge patch replaces lists and another controller's reference must survive.
    patch(owner, current, withoutStaleTemplateKeys(current,
        new SecretBuilder(desired).editMetadata().withOwnerReferences(List.of()).endMetadata().build()));
    return true;
  }

  /**
   * {@code desired} plus a merge patch's null for each removable key or annotation that {@code current}
   * has and {@code desired} does not; {@code desired} itself when there is none.
   */
  static Secret withRemovals(Secret current, Secret desired, Set<String> removableKeys, Set<String> removableAnnotations) {
    if (current == null) {
      return desired;
    }
    Map<String, String> data = new TreeMap<>(desired.getData());
    Map<String, String> annotations = new TreeMap<>(desired.getMetadata().getAnnotations());
    boolean removals = false;
    for (String key : removableKeys) {
      if (current.getData() != null && current.getData().containsKey(key) && !data.containsKey(key)) {
        data.put(key, null);
        removals = true;
      }
    }
    Map<String, String> currentAnnotations = current.getMetadata().getAnnotations();
    for (String annotation : removableAnnotations) {
      if (currentAnnotations != null && currentAnnotations.containsKey(annotation) && !annotations.containsKey(annotation)) {
        annotations.put(annotation, null);
        removals = true;
      }
    }
    return !removals ? desired
        : new SecretBuilder(desired).withData(data).editMetadata().withAnnotations(annotations).endMetadata().build();
  }

  /** The keys Keymint rendered from templates into this Secret (its own record of them). */
  static Set<String> templateKeys(Secret secret) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    String listed = annotations == null ? null : annotations.get(TEMPLATE_KEYS);
    return listed == null || listed.isBlank() ? Set.of() : new TreeSet<>(Arrays.asList(listed.split(",")));
  }

  /**
   * {@code changes} plus the removal (a merge patch's null) of each key {@code current} holds from a
   * template that {@code changes} no longer renders, and of the record when none is left.
   */
  static Secret withoutStaleTemplateKeys(Secret current, Secret changes) {
    Set<String> stale = new TreeSet<>(templateKeys(current));
    stale.removeAll(changes.getData().keySet());
    boolean recordGone = !templateKeys(current).isEmpty() && !changes.getMetadata().getAnnotations().containsKey(TEMPLATE_KEYS);
    if (stale.isEmpty() && !recordGone) {
      return changes;
    }
    Map<String, String> data = new TreeMap<>(changes.getData());
    stale.forEach(k -> data.put(k, null));
    Map<String, String> annotations = new TreeMap<>(changes.getMetadata().getAnnotations());
    if (recordGone) {
      annotations.put(TEMPLATE_KEYS, null);
    }
    return new SecretBuilder(changes).withData(data).editMetadata().withAnnotations(annotations).endMetadata().build();
  }

  /**
   * Merge-patches our own Secret with {@code changes} (no resourceVersion: the last writer wins, as
   * for every write of Keymint's own output), and remembers the answer for the next reconcile.
   */
  public Secret patch(HasMetadata owner, Secret current, Secret changes) {
    try {
      return mergePatch(owner, current, changes);
    } catch (KubernetesClientException e) {
      throw KubeWrites.failure("patch", "Secret", changes.getMetadata().getName(), e);
    }
  }

  /**
   * Merge-patches our own Secret only if it is still at {@code current}'s resourceVersion (the
   * API server checks it): an optimistic lock. Null when someone wrote it meanwhile (409).
   */
  public Secret patchIfUnchanged(HasMetadata owner, Secret current, Secret changes) {
    try {
      return mergePatch(owner, current, new SecretBuilder(changes).editMetadata()
          .withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata().build());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return null;
      }
      throw KubeWrites.failure("patch", "Secret", changes.getMetadata().getName(), e);
    }
  }

  private Secret mergePatch(HasMetadata owner, Secret current, Secret changes) {
    Secret patched = client.secrets().inNamespace(changes.getMetadata().getNamespace())
        .withName(changes.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), changes);
    if (cache != null) {
      cache.handleRecentResourceUpdate(ResourceID.fromResource(owner), patched, current);
    }
    return patched;
  }

  /** Creates our own Secret; null when one of that name exists already (409). */
  public Secret createIfAbsent(HasMetadata owner, Secret desired) {
    try {
      Secret created = client.secrets().inNamespace(desired.getMetadata().getNamespace()).resource(desired).create();
      if (cache != null) {
        cache.handleRecentResourceCreate(ResourceID.fromResource(owner), created);
      }
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return null;
      }
      throw KubeWrites.failure("create", "Secret", desired.getMetadata().getName(), e);
    }
  }

  public void delete(Secret secret) {
    client.secrets().inNamespace(secret.getMetadata().getNamespace()).withName(secret.getMetadata().getName()).delete();
  }

  static String hash(Map<String, String> data) {
    return Hashes.of(new TreeMap<>(data).entrySet().stream()
        .flatMap(e -> Stream.of(e.getKey(), e.getValue())).toArray(String[]::new));
  }

  private static boolean containsAll(Map<String, String> actual, Map<String, String> expected) {
    return expected == null || expected.isEmpty()
        || (actual != null && actual.entrySet().containsAll(expected.entrySet()));
  }
}
