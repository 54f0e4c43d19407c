package io.keymint.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * An informer store that keeps, of each Secret, only what tells one version from the next: its
 * uid and resourceVersion. The informer still reports every add, change and delete (that is all
 * Keymint needs of Secrets it does not own); the content, annotations and labels are dropped as
 * they arrive, so memory does not grow with the data of the cluster's Secrets. What it returns is a
 * Secret with just name, namespace, uid and resourceVersion.
 */
public final class VersionOnlyStore implements ItemStore<Secret> {

  private record Version(String uid, String resourceVersion) {}

  private final Map<String, Version> versions = new ConcurrentHashMap<>();

  @Override
  public String getKey(Secret secret) {
    return Cache.metaNamespaceKeyFunc(secret);
  }

  @Override
  public Secret put(String key, Secret secret) {
    Version previous = versions.put(key, new Version(secret.getMetadata().getUid(), secret.getMetadata().getResourceVersion()));
    return previous == null ? null : secret(key, previous);
  }

  @Override
  public Secret remove(String key) {
    Version previous = versions.remove(key);
    return previous == null ? null : secret(key, previous);
  }

  @Override
  public Stream<String> keySet() {
    return versions.keySet().stream();
  }

  @Override
  public Stream<Secret> values() {
    return versions.entrySet().stream().map(e -> secret(e.getKey(), e.getValue()));
  }

  @Override
  public int size() {
    return versions.size();
  }

  @Override
  public Secret get(String key) {
    Version version = versions.get(key);
    return version == null ? null : secret(key, version);
  }

  private static Secret secret(String key, Version version) {
    int slash = key.indexOf('/');
    return new SecretBuilder().withNewMetadata()
        .withNamespace(slash < 0 ? null : key.substring(0, slash))
        .withName(key.substring(slash + 1))
        .withUid(version.uid())
        .withResourceVersion(version.resourceVersion())
        .endMetadata().build();
  }
}
