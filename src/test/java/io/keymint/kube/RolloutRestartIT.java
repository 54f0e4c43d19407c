package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.keymint.api.RolloutTarget;
import io.keymint.apptoken.AppToken;
import io.keymint.testing.KubernetesMock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How {@link RolloutRestart} writes a workload on the realistic mock API server: only what the
 * verdict asks for, with the resourceVersion it read (a conflict is read and decided again), and
 * every refusal a note for the condition message. The decision itself is {@link RolloutDecisionTest}'s.
 */
class RolloutRestartIT {

  private static final Duration INTERVAL = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private static KubernetesMock kube;
  private static KubernetesClient operator;
  private String namespace;
  private AppToken owner;

  @BeforeAll
  static void start() {
    kube = KubernetesMock.start();
    operator = kube.newClientWithoutRetries("rollout-restart-test");
  }

  @AfterAll
  static void stop() {
    operator.close();
    kube.close();
  }

  @BeforeEach
  void namespace() {
    namespace = kube.newNamespace("rr");
    owner = new AppToken();
    owner.getMetadata().setNamespace(namespace);
    owner.getMetadata().setName("token");
  }

  @Test
  void theFirstChangeOpensAWindowOnTheWorkloadsMetadataAndLeavesItsPodTemplateAlone() {
    Deployment before = deployment(Map.of(), Map.of());
    RolloutRestart.Result result = carryOut(NOW);
    assertThat(result.notes()).isEmpty();
    assertThat(result.heldUntil()).isEqualTo(NOW.plus(INTERVAL));
    Deployment after = get();
    assertThat(after.getMetadata().getAnnotations()).containsEntry(RolloutRestart.PENDING_SINCE, Times.format(NOW));
    assertThat(after.getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
    // a second look while held writes nothing
    String version = after.getMetadata().getResourceVersion();
    assertThat(carryOut(NOW).heldUntil()).isEqualTo(NOW.plus(INTERVAL));
    assertThat(get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void whenTheWindowHasEndedTheWorkloadIsRestartedAndTheWindowClosed() {
    deployment(Map.of(RolloutRestart.PENDING_SINCE, Times.format(NOW.minus(INTERVAL))), Map.of("app", "x"));
    RolloutRestart.Result result = carryOut(NOW.minusSeconds(20));
    assertThat(result).isEqualTo(new RolloutRestart.Result(List.of(), null));
    Deployment after = get();
    assertThat(after.getMetadata().getAnnotations()).doesNotContainKey(RolloutRestart.PENDING_SINCE);
    assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(RolloutRestart.ANNOTATION, Times.format(NOW)).containsEntry("app", "x");
    // covered now: nothing more
    String version = after.getMetadata().getResourceVersion();
    assertThat(carryOut(NOW.minusSeconds(20))).isEqualTo(new RolloutRestart.Result(List.of(), null));
    assertThat(get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aConflictIsReadAgainAndDecidedAgain() {
    deployment(Map.of(RolloutRestart.PENDING_SINCE, Times.format(NOW.minus(INTERVAL))), Map.of());
    var conflict = kube.failNext("PATCH", p -> p.endsWith("/deployments/consumer"), 409, 1);
    assertThat(carryOut(NOW.minusSeconds(20))).isEqualTo(new RolloutRestart.Result(List.of(), null));
    assertThat(conflict.refused()).isEqualTo(1);
    assertThat(get().getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(RolloutRestart.ANNOTATION, Times.format(NOW));
  }

  @Test
  void aStaleResourceVersionIsRefusedByTheApiServer() {
    Deployment read = deployment(Map.of(), Map.of());
    kube.client().apps().deployments().inNamespace(namespace).withName("consumer")
        .edit(d -> new DeploymentBuilder(d).editMetadata().addToLabels("touched", "yes").endMetadata().build());
    // the patch carries the version it was read at: another writer since then makes it a conflict
    var stale = operator.apps().deployments().inNamespace(namespace).withName("consumer");
    assertThatThrownBy(() -> stale.patch(PatchContext.of(PatchType.JSON_MERGE), RolloutRestart.restart(read, NOW)))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void aWorkloadThatKeepsChangingIsANoteAndTriedAgainAfterTheInterval() {
    deployment(Map.of(RolloutRestart.PENDING_SINCE, Times.format(NOW.minus(INTERVAL))), Map.of());
    kube.failNext("PATCH", p -> p.endsWith("/deployments/consumer"), 409, RolloutRestart.ATTEMPTS);
    RolloutRestart.Result result = carryOut(NOW.minusSeconds(20));
    assertThat(result.notes()).singleElement().asString().startsWith("Deployment 'consumer' could not be restarted");
    assertThat(result.heldUntil()).isEqualTo(NOW.plus(INTERVAL));
    assertThat(get().getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void aRefusedRestartIsANoteNamingTheStatusAndTriedAgainAfterTheInterval() {
    deployment(Map.of(RolloutRestart.PENDING_SINCE, Times.format(NOW.minus(INTERVAL))), Map.of());
    kube.failNext("PATCH", p -> p.endsWith("/deployments/consumer"), 403, 1);
    RolloutRestart.Result result = carryOut(NOW.minusSeconds(20));
    assertThat(result.notes()).containsExactly("Deployment 'consumer' could not be restarted (HTTP 403); trying again at "
        + Times.format(NOW.plus(INTERVAL)));
    assertThat(result.heldUntil()).isEqualTo(NOW.plus(INTERVAL));
  }

  @Test
  void aMissingTargetIsANoteAndNoReasonToWake() {
    RolloutRestart.Result result = carryOut(NOW);
    assertThat(result).isEqualTo(new RolloutRestart.Result(List.of("Deployment 'consumer' not found"), null));
  }

  @Test
  void anAnnotationEditedByHandIsNoTime() {
    deployment(Map.of(RolloutRestart.PENDING_SINCE, "soon"), Map.of(RolloutRestart.ANNOTATION, "yesterday"));
    // read as no window and no restart: a window is opened over the bad value
    assertThat(carryOut(NOW).heldUntil()).isEqualTo(NOW.plus(INTERVAL));
    assertThat(get().getMetadata().getAnnotations()).containsEntry(RolloutRestart.PENDING_SINCE, Times.format(NOW));
  }

  private RolloutRestart.Result carryOut(Instant secretChangedAt) {
    RolloutTarget target = new RolloutTarget();
    target.kind = RolloutTarget.Kind.Deployment;
    target.name = "consumer";
    return RolloutRestart.carryOut(operator, owner, List.of(target), secretChangedAt, INTERVAL, NOW);
  }

  private Deployment deployment(Map<String, String> annotations, Map<String, String> templateAnnotations) {
    return kube.client().resource(new DeploymentBuilder().withNewMetadata().withName("consumer").withNamespace(namespace)
        .withAnnotations(annotations.isEmpty() ? null : annotations).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "consumer").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "consumer")
        .withAnnotations(templateAnnotations.isEmpty() ? null : templateAnnotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
  }

  private Deployment get() {
    return kube.client().apps().deployments().inNamespace(namespace).withName("consumer").get();
  }
}
