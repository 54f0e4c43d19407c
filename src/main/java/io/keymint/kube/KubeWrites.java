package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.api.Reasons;

/**
 * A write to the API server that failed for a reason that is not the user's spec, as a condition:
 * {@code KubernetesApiError}, naming the verb, the kind, the object and the HTTP status, never
 * content. Retried with backoff.
 */
public final class KubeWrites {

  private KubeWrites() {}

  /**
   * A resource of the same kind with only {@code resource}'s name and namespace: what a patch with a
   * ready-made body needs to be addressed. Fabric8 reads the object from the API server first when it
   * is given a name alone; Keymint sends only what it means to change.
   */
  public static <R extends HasMetadata> R addressOf(R resource) {
    try {
      @SuppressWarnings("unchecked")
      R address = (R) resource.getClass().getDeclaredConstructor().newInstance();
      address.setMetadata(new ObjectMetaBuilder().withName(resource.getMetadata().getName())
          .withNamespace(resource.getMetadata().getNamespace()).build());
      return address;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(resource.getKind() + " has no public no-argument constructor", e);
    }
  }

  public static ReconcileException failure(String verb, String kind, String name, KubernetesClientException e) {
    String status = e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer (" + e.getClass().getSimpleName() + ")";
    return ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR,
        "the API server did not accept " + verb + " of " + kind + " '" + name + "': " + status);
  }
}
