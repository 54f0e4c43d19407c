package io.keymint.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The integration tests' Kubernetes API behaves like kube-apiserver where Keymint's correctness
 * depends on it: late watch events, optimistic concurrency, strict patches, and faults on demand.
 * Plain Fabric8 clients only; no Keycloak.
 */
class RealisticApiServerIT {

  private static KubernetesMock kube;
  private static KubernetesClient client;
  /** A client that does not retry 5xx itself, so a test sees each answer the server gives. */
  private static KubernetesClient noRetries;
  private static Duration initialLag;
  private String ns;

  @BeforeAll
  static void start() {
    kube = KubernetesMock.start();
    initialLag = kube.watchLag();
    client = kube.client();
    noRetries = kube.newClient("no-retries");
    noRetries.getConfiguration().setRequestRetryBackoffLimit(0);
  }

  @AfterAll
  static void stop() {
    noRetries.close();
    kube.close();
  }

  @BeforeEach
  void namespace() {
    ns = kube.newNamespace("harness");
  }

  @AfterEach
  void defaults() {
    kube.setWatchLag(initialLag);
    kube.clearFaults();
  }

  @Test
  void watchEventsArriveLateSoInformerCachesAreStaleRightAfterAWrite() {
    String property = System.getProperty(KubernetesMock.WATCH_LAG_PROPERTY);
    assertThat(kube.watchLag()).as("on by default; the property sets it").isEqualTo(property == null
        ? KubernetesMock.DEFAULT_WATCH_LAG : Duration.ofMillis(Long.parseLong(property)));
    kube.setWatchLag(Duration.ofSeconds(2)); // long, so that a slow machine cannot make it look short
    try (SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(ns).inform()) {
      ConfigMap created = client.resource(configMap("a", "1")).create();

      // the write has returned and a GET sees it, but the informer does not yet
      assertThat(client.configMaps().inNamespace(ns).withName("a").get()).isNotNull();
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
          .until(() -> informer.getStore().getByKey(ns + "/a") == null);
      await().atMost(Duration.ofSeconds(10)).until(() -> informer.getStore().getByKey(ns + "/a") != null);

      // after an update the informer keeps the old version for a while
      ConfigMap updated = client.configMaps().inNamespace(ns).withName("a")
          .edit(cm -> new ConfigMapBuilder(cm).addToData("k", "2").build());
      assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());
      assertThat(informer.getStore().getByKey(ns + "/a").getMetadata().getResourceVersion())
          .isEqualTo(created.getMetadata().getResourceVersion());
      await().atMost(Duration.ofSeconds(10)).until(() -> informer.getStore().getByKey(ns + "/a").getMetadata()
          .getResourceVersion().equals(updated.getMetadata().getResourceVersion()));
    }
  }

  @Test
  void lateWatchEventsKeepTheirOrder() {
    kube.setWatchLag(Duration.ofMillis(200));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(ns).inform(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            seen.add(cm.getData().get("n"));
          }

          @Override
          public void onUpdate(ConfigMap before, ConfigMap after) {
            seen.add(after.getData().get("n"));
          }

          @Override
          public void onDelete(ConfigMap cm, boolean unknownFinalState) {}
        })) {
      client.resource(new ConfigMapBuilder(configMap("b", "0")).withData(Map.of("n", "0")).build()).create();
      for (int n = 1; n <= 30; n++) {
        String value = String.valueOf(n);
        client.configMaps().inNamespace(ns).withName("b")
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"n\":\"" + value + "\"}}");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("30"));
      assertThat(seen.stream().map(Integer::valueOf).toList()).isSorted().startsWith(0).endsWith(30);
    }
  }

  @Test
  void creatingAnExistingObjectIsAConflict() {
    client.resource(configMap("c", "1")).create();

    assertThatThrownBy(() -> client.resource(configMap("c", "2")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists");
        });
    assertThat(client.configMaps().inNamespace(ns).withName("c").get().getData()).containsEntry("k", "1");
  }

  @Test
  void anUpdateWithAnOldResourceVersionIsAConflict() {
    ConfigMap stale = client.resource(configMap("d", "1")).create();
    client.resource(new ConfigMapBuilder(stale).addToData("k", "2").build()).update(); // moves the version on

    assertThatThrownBy(() -> client.resource(new ConfigMapBuilder(stale).addToData("k", "3").build()).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        });
    assertThat(client.configMaps().inNamespace(ns).withName("d").get().getData()).containsEntry("k", "2");
  }

  @Test
  void statusWritesWithAnOldResourceVersionAreConflictsToo() {
    GenericKubernetesResource token = client.resource(appToken("e")).create();
    GenericKubernetesResource withStatus = client.resource(appToken("e")).updateStatus(); // PUT /status with no version
    assertThat(withStatus.getMetadata().getResourceVersion()).isNotEqualTo(token.getMetadata().getResourceVersion());

    GenericKubernetesResource stale = new GenericKubernetesResourceBuilder(token)
        .addToAdditionalProperties("status", Map.of("failedAttempts", 9)).build();
    assertThatThrownBy(() -> client.resource(stale).updateStatus()) // PUT /status with the old version
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThatThrownBy(() -> client.genericKubernetesResources("keymint.io/v1alpha1", "AppToken").inNamespace(ns)
        .withName("e").subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"resourceVersion\":\"" + token.getMetadata().getResourceVersion()
                + "\"},\"status\":{\"failedAttempts\":9}}"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(status(client.genericKubernetesResources("keymint.io/v1alpha1", "AppToken").inNamespace(ns).withName("e")
        .get())).containsEntry("failedAttempts", 1);
  }

  @Test
  void aCustomResourceIsNeverReplacedWithoutAResourceVersion() throws Exception {
    client.resource(appToken("f")).create();
    String path = "/apis/keymint.io/v1alpha1/namespaces/" + ns + "/apptokens/f";
    String unconditional = client.getKubernetesSerialization().asJson(appToken("f")); // Fabric8's update() adds one

    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(client.getMasterUrl().toString().replaceAll("/$", "") + path))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(unconditional)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(422);
    assertThat(answer.body()).contains("metadata.resourceVersion", "must be specified for an update");
  }

  @Test
  void mergePatchesApplyWithoutAResourceVersionAndRefuseAnOldOne() {
    ConfigMap created = client.resource(configMap("g", "1")).create();
    client.configMaps().inNamespace(ns).withName("g").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"2\"}}");

    assertThat(client.configMaps().inNamespace(ns).withName("g").get().getData()).containsEntry("k", "2");
    assertThatThrownBy(() -> client.configMaps().inNamespace(ns).withName("g").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"resourceVersion\":\"" + created.getMetadata().getResourceVersion() + "\"},\"data\":{\"k\":\"3\"}}"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void mergePatchesReplaceListsAndRemoveNullKeysAsRfc7386Says() {
    client.resource(appToken("h")).create();
    var status = client.genericKubernetesResources("keymint.io/v1alpha1", "AppToken").inNamespace(ns).withName("h")
        .subresource("status");
    status.patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"status\":{\"audiences\":[\"a\",\"b\"],\"lastFailureTime\":\"2026-01-01T00:00:00Z\"}}");
    status.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"audiences\":[\"c\"],\"lastFailureTime\":null}}");

    Map<String, Object> stored = status(client.genericKubernetesResources("keymint.io/v1alpha1", "AppToken").inNamespace(ns)
        .withName("h").get());
    assertThat(stored.get("audiences")).isEqualTo(List.of("c")); // Fabric8's CRUD store alone says [a, b, c]
    assertThat(stored).doesNotContainKey("lastFailureTime");
  }

  @Test
  void aJsonPatchThatDoesNotApplyIsUnprocessable() {
    client.resource(configMap("i", "1")).create();
    var cm = noRetries.configMaps().inNamespace(ns).withName("i");

    for (String patch : List.of("[{\"op\":\"replace\",\"path\":\"/data/missing\",\"value\":\"x\"}]",
        "[{\"op\":\"remove\",\"path\":\"/data/missing\"}]",
        "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"2\"},{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"3\"}]",
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations/a\",\"value\":\"x\"}]")) {
      assertThatThrownBy(() -> cm.patch(PatchContext.of(PatchType.JSON), patch))
          .as(patch)
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
          });
    }
    assertThat(cm.get().getData()).isEqualTo(Map.of("k", "1"));
    cm.patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"4\"}]");
    assertThat(cm.get().getData()).isEqualTo(Map.of("k", "4"));
  }

  @Test
  void aStatusJsonPatchDiffedAgainstAStaleCopyIsRefused() {
    // what JOSDK does without server-side apply: a JSON Patch from its cached copy to the new status
    client.resource(appToken("j")).create();
    var token = client.genericKubernetesResources("keymint.io/v1alpha1", "AppToken").inNamespace(ns).withName("j");
    token.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"status\":{\"failedAttempts\":1,\"lastFailureTime\":\"2026-01-01T00:00:00Z\"}}");
    GenericKubernetesResource cached = token.get();
    // meanwhile the stored status moves on: the field is gone
    token.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"lastFailureTime\":null}}");

    GenericKubernetesResource staleCopy = new GenericKubernetesResourceBuilder(cached).build();
    staleCopy.getMetadata().setResourceVersion(null); // as JOSDK does: no optimistic lock
    assertThatThrownBy(() -> noRetries.resource(staleCopy).editStatus(r -> {
      status(r).put("lastFailureTime", "2026-01-02T00:00:00Z"); // diffs to: replace /status/lastFailureTime
      return r;
    })).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));

    // a Fabric8 edit() carries the copy's resourceVersion in its JSON Patch: stale is a conflict
    assertThatThrownBy(() -> client.resource(cached).edit(r -> {
      r.getMetadata().setLabels(Map.of("x", "y"));
      return r;
    })).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void aDeleteWithAStalePreconditionIsAConflict() {
    ConfigMap stale = client.resource(configMap("l", "1")).create();
    client.configMaps().inNamespace(ns).withName("l").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"2\"}}");

    assertThatThrownBy(() -> client.configMaps().inNamespace(ns).withName("l")
        .lockResourceVersion(stale.getMetadata().getResourceVersion()).delete())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(client.configMaps().inNamespace(ns).withName("l").get()).isNotNull();
  }

  @Test
  void failNextRefusesTheMatchingRequestsThenServesNormally() {
    client.resource(new SecretBuilder().withNewMetadata().withName("x-state").withNamespace(ns).endMetadata()
        .addToData("k", "MQ==").build()).create();
    var secret = noRetries.secrets().inNamespace(ns).withName("x-state");
    KubernetesMock.Fault fault = kube.failNext("PATCH", path -> path.contains("/secrets/x-state"), 500, 1);

    secret.get(); // other methods pass
    assertThatThrownBy(() -> secret.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"Mg==\"}}"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(500);
          assertThat(e.getStatus().getReason()).isEqualTo("InternalError");
        });
    secret.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"Mg==\"}}");

    assertThat(fault.refused()).isEqualTo(1);
    assertThat(fault.remaining()).isZero();
    assertThat(secret.get().getData()).containsEntry("k", "Mg==");
  }

  @Test
  void aDefaultFabric8ClientRetriesA500ItselfSoItsCallerNeverSeesIt() {
    client.resource(configMap("m", "1")).create();
    KubernetesMock.Fault fault = kube.failNext("PATCH", path -> path.endsWith("/configmaps/m"), 500, 2);

    client.configMaps().inNamespace(ns).withName("m").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"k\":\"2\"}}");

    assertThat(fault.refused()).isEqualTo(2);
    assertThat(client.configMaps().inNamespace(ns).withName("m").get().getData()).containsEntry("k", "2");
  }

  @Test
  void keepsWhatTheMockDidBefore() {
    SelfSubjectRulesReview review = client.resource(new SelfSubjectRulesReviewBuilder().withNewSpec().withNamespace(ns)
        .endSpec().build()).create();
    assertThat(review.getStatus().getResourceRules()).isNotEmpty();
    assertThat(client.apiextensions().v1().customResourceDefinitions().withName("apptokens.keymint.io").get()).isNotNull();
    kube.takeRequests();
    try (KubernetesClient other = kube.newClient("someone-else")) {
      other.configMaps().inNamespace(ns).list();
    }
    assertThat(kube.takeRequests()).anySatisfy(r -> assertThat(r.getHeader("User-Agent")).isEqualTo("someone-else"));
  }

  private ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .addToData("k", value).build();
  }

  private GenericKubernetesResource appToken(String name) {
    return new GenericKubernetesResourceBuilder().withApiVersion("keymint.io/v1alpha1").withKind("AppToken")
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .addToAdditionalProperties("spec", Map.of("clientApplicationRef", Map.of("name", "app")))
        .addToAdditionalProperties("status", Map.of("failedAttempts", 1))
        .build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("status");
  }
}
