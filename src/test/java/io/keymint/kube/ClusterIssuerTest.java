package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterIssuerTest {

  @org.junit.jupiter.api.Test
  void theIssuerIsWhatTheApiServersDiscoverySays() {
    assertThat(ClusterIssuer.parse("{\"issuer\":\"https://kubernetes.default.svc.cluster.local\","
        + "\"jwks_uri\":\"https://10.0.0.1:6443/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"]}"))
        .isEqualTo("https://kubernetes.default.svc.cluster.local");
    assertThat(ClusterIssuer.parse("{\"issuer\":\"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC\"}"))
        .isEqualTo("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{}", "{\"issuer\":42}", "{\"issuer\":\"kubernetes.default.svc\"}",
      "{\"issuer\":\"file:///etc/passwd\"}", "not json", "<html>"})
  void aDiscoveryWithoutAnIssuerUrlNamesTheSetting(String discovery) {
    assertThatThrownBy(() -> ClusterIssuer.parse(discovery))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("KubernetesApiError"))
        .hasMessageContaining("KEYMINT_KUBERNETES_ISSUER");
  }
}
