package io.keymint.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.api.Reasons;

/**
 * A write to the API server that failed for a reason that is not the user's spec, as a condition:
 * {@code KubernetesApiError}, naming the verb, the kind, the object and the HTTP status, never
 * content. Retried with backoff.
 */
public final class KubeWrites {

  private KubeWrites() {}

  public static ReconcileException failure(String verb, String kind, String name, KubernetesClientException e) {
    String status = e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer (" + e.getClass().getSimpleName() + ")";
    return ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR,
        "the API server did not accept " + verb + " of " + kind + " '" + name + "': " + status);
  }
}
