package io.keymint.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.api.Reasons;
import java.time.Duration;
import java.util.List;

/**
 * Short-lived ServiceAccount tokens from the API server (TokenRequest, {@code create} on
 * {@code serviceaccounts/token}), the client assertions of ClientApplications that authenticate as
 * their ServiceAccount. Each is asked for one token request and never kept: it is not written
 * anywhere, and no message names it.
 */
public final class ServiceAccountTokens {

  /** How long a token lives: kube-apiserver's minimum, and all one token request needs. */
  public static final Duration LIFETIME = Duration.ofMinutes(10);

  private ServiceAccountTokens() {}

  /**
   * A token of ServiceAccount {@code name} in {@code namespace} for exactly this audience. The caller
   * decides namespace and audience (the resource's own namespace, the realm's issuer), never a tenant.
   */
  public static String request(KubernetesClient client, String namespace, String name, String audience) {
    TokenRequest request = new TokenRequestBuilder().withNewSpec().withAudiences(List.of(audience))
        .withExpirationSeconds(LIFETIME.toSeconds()).endSpec().build();
    TokenRequest answer;
    try {
      answer = client.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw ReconcileException.retryable(Reasons.SERVICE_ACCOUNT_NOT_FOUND, "ServiceAccount '" + name
            + "' does not exist in namespace '" + namespace + "'");
      }
      if (e.getCode() == 403) {
        throw ReconcileException.permanent(Reasons.FORBIDDEN, "the API server does not let Keymint create a token of"
            + " ServiceAccount '" + name + "' in namespace '" + namespace + "' (HTTP 403): its role needs create on"
            + " serviceaccounts/token (deploy/)");
      }
      throw KubeWrites.failure("a token request", "ServiceAccount", namespace + "/" + name, e);
    }
    String token = answer == null || answer.getStatus() == null ? null : answer.getStatus().getToken();
    if (token == null || token.isBlank()) {
      throw ReconcileException.retryable(Reasons.KUBERNETES_API_ERROR, "the API server answered the token request for"
          + " ServiceAccount '" + namespace + "/" + name + "' without a token");
    }
    return token;
  }
}
