package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.keymint.testing.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/ keeps everyone but the monitoring namespace away from Keymint's health and metrics port,
 * in the base and in the namespaced overlay as kustomize renders them (ManifestsIT applies the
 * policy with the rest), and both ways Keymint is started end the process on an OutOfMemoryError.
 */
class NetworkPolicyTest {

  private static final KubernetesSerialization KUBE = new KubernetesSerialization();

  @Test
  void onlyTheMonitoringNamespaceReachesTheHealthAndMetricsPort() throws IOException {
    for (String directory : List.of("deploy", "deploy/overlays/namespaced")) {
      List<ObjectNode> objects = Manifests.render(Path.of(directory));
      ObjectNode policy = Manifests.find(objects, "NetworkPolicy", "keymint");
      assertThat(policy).as(directory + ": NetworkPolicy keymint").isNotNull();
      onlyMonitoringReachesThePort(as(policy, NetworkPolicy.class),
          as(Manifests.find(objects, "Deployment", "keymint"), Deployment.class));
    }
  }

  private static void onlyMonitoringReachesThePort(NetworkPolicy policy, Deployment deployment) {
    assertThat(policy.getMetadata().getNamespace()).isEqualTo(deployment.getMetadata().getNamespace());
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isNotEmpty();
    assertThat(policy.getSpec().getPodSelector().getMatchExpressions()).isEmpty();
    // egress stays open: Keycloak and token endpoints are wherever AppTokens say
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");

    assertThat(policy.getSpec().getIngress()).hasSize(1);
    NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
    assertThat(rule.getPorts()).hasSize(1);
    NetworkPolicyPort port = rule.getPorts().get(0);
    assertThat(port.getProtocol()).isEqualTo("TCP");
    assertThat(port.getEndPort()).isNull();
    Container keymint = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(keymint.getPorts()).singleElement().satisfies(containerPort -> assertThat(port.getPort())
        .isIn(new IntOrString(containerPort.getName()), new IntOrString(containerPort.getContainerPort())));
    assertThat(keymint.getEnv()).contains(new EnvVar("KEYMINT_HTTP_PORT",
        String.valueOf(keymint.getPorts().get(0).getContainerPort()), null));

    assertThat(rule.getFrom()).hasSize(1);
    NetworkPolicyPeer peer = rule.getFrom().get(0);
    assertThat(peer.getIpBlock()).isNull();
    assertThat(peer.getPodSelector()).isNull();
    assertThat(peer.getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
    assertThat(peer.getNamespaceSelector().getMatchExpressions()).isEmpty();
  }

  @Test
  void anOutOfMemoryErrorEndsTheProcess() throws IOException {
    Container keymint = as(Manifests.find(Manifests.render(Path.of("deploy")), "Deployment", "keymint"),
        Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(keymint.getCommand()).isEmpty();
    assertThat(keymint.getEnv()).filteredOn(env -> env.getName().equals("JAVA_TOOL_OPTIONS")).singleElement()
        .satisfies(env -> assertThat(List.of(env.getValue().split(" ")))
            .contains("-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75"));
    assertThat(Files.readAllLines(Path.of("Dockerfile"))).filteredOn(line -> line.startsWith("ENTRYPOINT"))
        .singleElement().asString().contains("\"java\", \"-XX:+ExitOnOutOfMemoryError\"");
  }

  private static <T> T as(ObjectNode object, Class<T> type) {
    return KUBE.unmarshal(object.toString(), type);
  }
}
