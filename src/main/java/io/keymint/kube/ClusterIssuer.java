package io.keymint.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.api.Reasons;
import java.io.IOException;
import java.net.URI;

/**
 * The issuer of this cluster's ServiceAccount tokens: {@code KEYMINT_KUBERNETES_ISSUER}, else what
 * the API server's own {@code /.well-known/openid-configuration} says (readable by every
 * ServiceAccount through Kubernetes' default ClusterRoleBinding
 * {@code system:service-account-issuer-discovery}). Asked once, when first needed, and remembered;
 * a failure is asked again next time.
 */
public final class ClusterIssuer {

  static final String DISCOVERY = "/.well-known/openid-configuration";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private volatile String issuer;

  /** @param configured KEYMINT_KUBERNETES_ISSUER, or null to ask the API server */
  public ClusterIssuer(KubernetesClient client, String configured) {
    this.client = client;
    this.issuer = configured;
  }

  public String issuer() {
    String known = issuer;
    if (known != null) {
      return known;
    }
    String discovered;
    try {
      discovered = parse(client.raw(DISCOVERY));
    } catch (KubernetesClientException e) {
      throw ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR, "cannot read the cluster's ServiceAccount issuer"
          + " from the API server (GET " + DISCOVERY + ": " + (e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer")
          + "); set KEYMINT_KUBERNETES_ISSUER");
    }
    issuer = discovered;
    return discovered;
  }

  /** The {@code issuer} of a discovery document: an absolute http(s) URL. */
  static String parse(String discovery) {
    try {
      JsonNode issuer = discovery == null ? null : JSON.readTree(discovery).get("issuer");
      String value = issuer == null || !issuer.isTextual() ? null : issuer.asText();
      URI uri = value == null ? null : URI.create(value);
      if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
        throw invalid();
      }
      return value;
    } catch (IOException | IllegalArgumentException e) {
      throw invalid();
    }
  }

  private static ReconcileException invalid() {
    return ReconcileException.permanent(Reasons.KUBERNETES_API_ERROR, "the API server's " + DISCOVERY
        + " names no issuer URL; set KEYMINT_KUBERNETES_ISSUER");
  }
}
