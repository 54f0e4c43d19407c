package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.keymint.testing.KubernetesMock;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Kubernetes object in deploy/ and samples/ is accepted by the API (the CRUD mock, with
 * crds/ installed), as `kubectl apply` would send it. Kustomize files and the Argo CD and Flux
 * snippets are not plain objects and are checked by SamplesTest and HealthChecksTest instead.
 */
class ManifestsIT {

  @Test
  void deployAndSamplesApply() throws Exception {
    List<String> applied = new ArrayList<>();
    try (KubernetesMock kube = KubernetesMock.start();
        Stream<Path> files = Stream.concat(Files.walk(Path.of("deploy/base")),
            Stream.concat(Files.walk(Path.of("deploy/overlays")), Files.walk(Path.of("samples"))))) {
      for (String namespace : List.of("keymint-system", "team-a", "team-b")) {
        kube.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
            .build()).createOr(existing -> existing.update());
      }
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata object : kube.client().load(in).items()) {
            kube.client().resource(object).createOr(existing -> existing.update());
            applied.add(object.getKind() + " " + object.getMetadata().getName());
          }
        }
      }
    }
    assertThat(applied).contains("ClusterRole keymint", "Deployment keymint", "NetworkPolicy keymint",
        "Role keymint-leader-election", "ClientApplication fraud-scorer", "AppToken group-a-read-only", "PlatformToken h2o");
  }
}
