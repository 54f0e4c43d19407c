package io.keymint.kube;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An informer store that keeps, of each Secret, only what tells one version from the next (its uid
 * and resourceVersion) and its controller owner reference, unless {@code keepWhole} accepts the
 * Secret: those it keeps whole. The informer still reports every add, change and delete (that is all
 * Keymint needs of Secrets it does not own); the content, annotations and labels of the others are
 * dropped as they arrive, so memory does not grow with the data of the cluster's Secrets. For those
 * it returns a {@link VersionOnlySecret}: name, namespace, uid, resourceVersion and the controller
 * reference, never content (tell one by {@link #isVersionOnly}).
 *
 * <p>{@code keepWhole} is asked at each add and change, with the Secret as the API server sent it; a
 * Secret it turned down while it could not know yet (its owner not in a cache yet) is kept whole
 * from its next change on, or at once by {@link #promote} once someone read it anyway.
 */
public final class VersionOnlyStore implements ItemStore<Secret> {

  /** Longest owner reference field kept: a Kubernetes name or a uid is never longer. */
  private static final int MAX_FIELD = 253;

  private sealed interface Entry permits Whole, Version {}

  private record Whole(Secret secret) implements Entry {}

  private record Version(String uid, String resourceVersion, Controller controller) implements Entry {}

  private record Controller(String apiVersion, String kind, String name, String uid) {}

  /** What the store returns of a Secret it keeps as a version only: metadata and no content. */
  static final class VersionOnlySecret extends Secret {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Predicate<Secret> keepWhole;

  /** Keeps every Secret as a version only. */
  public VersionOnlyStore() {
    this(secret -> false);
  }

  /** Keeps whole the Secrets {@code keepWhole} accepts (a failure to decide counts as no), the others as versions only. */
  public VersionOnlyStore(Predicate<Secret> keepWhole) {
    this.keepWhole = keepWhole;
  }

  /** Whether this Secret came from such a store as a version only: it has metadata but no content. */
  public static boolean isVersionOnly(Secret secret) {
    return secret instanceof VersionOnlySecret;
  }

  @Override
  public String getKey(Secret secret) {
    return Cache.metaNamespaceKeyFunc(secret);
  }

  @Override
  public Secret put(String key, Secret secret) {
    return secret(key, entries.put(key, entry(secret)));
  }

  /**
   * Keeps {@code secret} (read from the API server) whole in place of its version-only entry, if
   * that entry is still at the same resourceVersion and {@code keepWhole} accepts it now; a newer
   * entry, or none, is left alone (the informer's own events bring the rest). True when it did.
   */
  public boolean promote(Secret secret) {
    String key = getKey(secret);
    Entry current = entries.get(key);
    return current instanceof Version version
        && Objects.equals(version.resourceVersion(), secret.getMetadata().getResourceVersion())
        && accepted(secret)
        && entries.replace(key, current, new Whole(secret));
  }

  @Override
  public Secret remove(String key) {
    return secret(key, entries.remove(key));
  }

  @Override
  public Stream<String> keySet() {
    return entries.keySet().stream();
  }

  @Override
  public Stream<Secret> values() {
    return entries.entrySet().stream().map(e -> secret(e.getKey(), e.getValue()));
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public Secret get(String key) {
    return secret(key, entries.get(key));
  }

  private Entry entry(Secret secret) {
    if (accepted(secret)) {
      return new Whole(secret);
    }
    OwnerReference controller = SecretOwners.controllerOf(secret);
    return new Version(secret.getMetadata().getUid(), secret.getMetadata().getResourceVersion(), controller == null ? null
        : new Controller(bounded(controller.getApiVersion()), bounded(controller.getKind()), bounded(controller.getName()),
            bounded(controller.getUid())));
  }

  private boolean accepted(Secret secret) {
    try {
      return keepWhole.test(secret);
    } catch (RuntimeException e) {
      return false; // kept as a version: whoever needs the content reads it
    }
  }

  private static Secret secret(String key, Entry entry) {
    if (entry == null) {
      return null;
    }
    if (entry instanceof Whole whole) {
      return whole.secret();
    }
    Version version = (Version) entry;
    int slash = key.indexOf('/');
    ObjectMetaBuilder metadata = new ObjectMetaBuilder()
        .withNamespace(slash < 0 ? null : key.substring(0, slash))
        .withName(key.substring(slash + 1))
        .withUid(version.uid())
        .withResourceVersion(version.resourceVersion());
    Controller controller = version.controller();
    if (controller != null) {
      metadata.withOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(controller.apiVersion())
          .withKind(controller.kind()).withName(controller.name()).withUid(controller.uid()).withController(true).build()));
    }
    VersionOnlySecret secret = new VersionOnlySecret();
    secret.setMetadata(metadata.build());
    secret.setData(null); // not even empty: there is no content here to read
    secret.setStringData(null);
    return secret;
  }

  private static String bounded(String value) {
    return value == null || value.length() > MAX_FIELD ? null : value;
  }
}
