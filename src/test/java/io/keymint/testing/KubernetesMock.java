package io.keymint.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The Kubernetes API of the integration tests: the Fabric8 mock server in CRUD mode on loopback,
 * with Keymint's CRDs from {@code crds/} installed the way a user installs them.
 */
public final class KubernetesMock implements AutoCloseable {

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private KubernetesMock(KubernetesMockServer server) {
    this.server = server;
    this.client = newClient(server);
  }

  public static KubernetesMock start() {
    if (!SLF4JBridgeHandler.isInstalled()) { // the mock server logs through java.util.logging
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    // CRUD for everything, plus one canned answer: the CRUD store cannot answer the access review
    // JOSDK's leader election asks first, so it says what a real API server says to a replica with
    // deploy/'s lease Role.
    var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
            .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
            .endResourceRule().withIncomplete(false).endStatus().build())
        .always();
    KubernetesMock mock = new KubernetesMock(server);
    mock.installCrds();
    return mock;
  }

  private void installCrds() {
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read crds/", e);
    }
  }

  /** A client of its own, as a second operator process would have; its requests carry this User-Agent. */
  public KubernetesClient newClient(String userAgent) {
    return server.createClient(b -> b.editOrNewConfig().withRequestTimeout(10_000).withUserAgent(userAgent).endConfig());
  }

  /** Every request the server received so far, oldest first (and forgets them). */
  public java.util.List<io.fabric8.mockwebserver.http.RecordedRequest> takeRequests() {
    java.util.List<io.fabric8.mockwebserver.http.RecordedRequest> requests = new java.util.ArrayList<>();
    try {
      io.fabric8.mockwebserver.http.RecordedRequest request;
      while ((request = server.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
        requests.add(request);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }

  /** A lost request fails after 10 s (and is retried) instead of stalling a test for minutes. */
  private static KubernetesClient newClient(KubernetesMockServer server) {
    return server.createClient(b -> b.editOrNewConfig().withRequestTimeout(10_000).endConfig());
  }

  public KubernetesClient client() {
    return client;
  }

  /** Creates a fresh namespace for one test. */
  public String newNamespace(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
