package io.keymint.apptoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RolloutTarget;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.RolloutRestart;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gentle restarts (KEYMINT_ROLLOUT_MIN_INTERVAL) against a real Keycloak: changes from several
 * tokens, or several changes of one, within the interval restart a workload once, after all of them.
 */
@ExtendWith(KeycloakExtension.class)
class GentleRestartsIT {

  private static final Duration INTERVAL = Duration.ofSeconds(8);
  /** Longer than any second restart could take to come: the interval plus the settling time, with room. */
  private static final Duration QUIET = INTERVAL.plusSeconds(5);

  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm realm) {
    // two refreshes of one token must land within one restart interval: the mint interval (NoisyNeighbourIT's
    // subject) is set below it, or the second refresh would wait past the window
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_ROLLOUT_MIN_INTERVAL", INTERVAL.toSeconds() + "s",
        "KEYMINT_MIN_MINT_INTERVAL", "1s"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("gr");
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  @Test
  void threeAppTokensNamingOneDeploymentRestartItOnceAfterAllThreeChanged() {
    keymint.client().resource(new DeploymentBuilder().withNewMetadata().withName("consumer").withNamespace(namespace)
        .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "consumer").endSelector()
        .withTemplate(podTemplate("consumer")).endSpec().build()).create();
    application("shared");
    List<String> names = List.of("reader", "writer", "auditor");
    Map<String, String> first = new HashMap<>();
    for (String name : names) {
      appToken(name, "shared", target(RolloutTarget.Kind.Deployment, "consumer"));
    }
    for (String name : names) {
      awaitIssued(name);
      first.put(name, accessToken(name));
    }
    var consumer = keymint.client().apps().deployments().inNamespace(namespace).withName("consumer");
    assertThat(restartedAt(consumer.get())).as("first tokens restart nothing").isNull();

    try (Rollouts rollouts = new Rollouts(consumer)) {
      for (String name : names) {
        requestRefresh(name, "1");
      }
      // watch it unfold: which Secrets hold a new token, what the statuses and the workload say while held
      Map<String, Instant> changed = new ConcurrentHashMap<>();
      Set<String> heldUntil = new TreeSet<>();
      Set<String> pendingSince = new TreeSet<>();
      Set<String> changedBeforeRestart = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
        for (String name : names) {
          if (!changed.containsKey(name) && !first.get(name).equals(accessToken(name))) {
            changed.put(name, Instant.now());
          }
          String next = keymint.get(AppToken.class, namespace, name).getStatus().nextRolloutAllowedAt;
          if (next != null) {
            heldUntil.add(next);
          }
        }
        Deployment now = consumer.get();
        if (now.getMetadata().getAnnotations() != null
            && now.getMetadata().getAnnotations().containsKey(RolloutRestart.PENDING_SINCE)) {
          pendingSince.add(now.getMetadata().getAnnotations().get(RolloutRestart.PENDING_SINCE));
        }
        return restartedAt(now) == null ? null : Set.copyOf(changed.keySet());
      }, r -> r != null);
      assertThat(changedBeforeRestart).as("Secrets holding their new token when the restart was first seen")
          .containsExactlyInAnyOrderElementsOf(names);

      String once = restartedAt(consumer.get());
      Instant restarted = Instant.parse(once);
      for (String name : names) {
        Instant changedAt = Instant.parse(keymint.secret(namespace, name + "-token").getMetadata().getAnnotations()
            .get(RolloutRestart.CHANGED_AT));
        assertThat(restarted).as("restart after the change of " + name).isAfterOrEqualTo(changedAt);
      }
      assertThat(heldUntil).as("status.nextRolloutAllowedAt while the restart was held back").isNotEmpty()
          .allSatisfy(due -> assertThat(restarted).isAfterOrEqualTo(Instant.parse(due)));
      assertThat(pendingSince).as("the window recorded on the Deployment").hasSize(1)
          .allSatisfy(since -> assertThat(restarted).isAfterOrEqualTo(Instant.parse(since).plus(INTERVAL)));

      // exactly one: nothing more for longer than another restart could take to come
      await().during(QUIET).atMost(QUIET.plusSeconds(10)).until(() -> once.equals(restartedAt(consumer.get())));
      assertThat(rollouts.templates()).as("pod template changes").containsExactly(once);
    }
    for (String name : names) {
      keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus,
          s -> ((AppTokenStatus) s).nextRolloutAllowedAt == null && ready("True", "TokenIssued").test(s));
      assertThat(accessToken(name)).isNotEqualTo(first.get(name));
    }
    assertThat(consumer.get().getMetadata().getAnnotations()).doesNotContainKey(RolloutRestart.PENDING_SINCE);
  }

  @Test
  void successiveRefreshesOfOneTokenRestartAStatefulSetAndADaemonSetOnceAfterTheLast() {
    keymint.client().resource(new StatefulSetBuilder().withNewMetadata().withName("worker").withNamespace(namespace)
        .endMetadata().withNewSpec().withServiceName("worker").withNewSelector().addToMatchLabels("app", "worker")
        .endSelector().withTemplate(podTemplate("worker")).endSpec().build()).create();
    keymint.client().resource(new DaemonSetBuilder().withNewMetadata().withName("agent").withNamespace(namespace)
        .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
        .withTemplate(podTemplate("agent")).endSpec().build()).create();
    application("solo");
    appToken("solo", "solo", target(RolloutTarget.Kind.StatefulSet, "worker"), target(RolloutTarget.Kind.DaemonSet, "agent"));
    awaitIssued("solo");
    var worker = keymint.client().apps().statefulSets().inNamespace(namespace).withName("worker");
    var agent = keymint.client().apps().daemonSets().inNamespace(namespace).withName("agent");

    try (Rollouts workerRollouts = new Rollouts(worker); Rollouts agentRollouts = new Rollouts(agent)) {
      String initial = accessToken("solo");
      requestRefresh("solo", "1");
      await().atMost(TIMEOUT).until(() -> !initial.equals(accessToken("solo")));
      String second = accessToken("solo");
      keymint.awaitStatus(AppToken.class, namespace, "solo", AppToken::getStatus,
          s -> ((AppTokenStatus) s).nextRolloutAllowedAt != null);
      assertThat(restartedAt(worker.get())).as("held back").isNull();
      requestRefresh("solo", "2");
      await().atMost(TIMEOUT).until(() -> !second.equals(accessToken("solo")));
      Instant lastChange = Instant.parse(keymint.secret(namespace, "solo-token").getMetadata().getAnnotations()
          .get(RolloutRestart.CHANGED_AT));

      await().atMost(TIMEOUT).until(() -> restartedAt(worker.get()) != null && restartedAt(agent.get()) != null);
      String workerOnce = restartedAt(worker.get());
      String agentOnce = restartedAt(agent.get());
      assertThat(Instant.parse(workerOnce)).as("after the second change").isAfterOrEqualTo(lastChange);
      assertThat(Instant.parse(agentOnce)).as("after the second change").isAfterOrEqualTo(lastChange);
      await().during(QUIET).atMost(QUIET.plusSeconds(10))
          .until(() -> workerOnce.equals(restartedAt(worker.get())) && agentOnce.equals(restartedAt(agent.get())));
      assertThat(workerRollouts.templates()).as("StatefulSet pod template changes").containsExactly(workerOnce);
      assertThat(agentRollouts.templates()).as("DaemonSet pod template changes").containsExactly(agentOnce);
    }
    keymint.awaitStatus(AppToken.class, namespace, "solo", AppToken::getStatus,
        s -> ((AppTokenStatus) s).nextRolloutAllowedAt == null);
  }

  @Test
  void anEditedTemplateIsAChangeTheWorkloadIsRestartedFor() {
    keymint.client().resource(new DeploymentBuilder().withNewMetadata().withName("reader").withNamespace(namespace)
        .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "reader").endSelector()
        .withTemplate(podTemplate("reader")).endSpec().build()).create();
    application("plain");
    appToken("plain", "plain", target(RolloutTarget.Kind.Deployment, "reader"));
    awaitIssued("plain");
    String token = accessToken("plain");
    var reader = keymint.client().apps().deployments().inNamespace(namespace).withName("reader");

    keymint.edit(AppToken.class, namespace, "plain", t -> {
      t.getSpec().secret = new io.keymint.api.TokenSecret();
      t.getSpec().secret.template = new io.keymint.api.SecretTemplate();
      t.getSpec().secret.template.data = Map.of("authorization", "Bearer {{access_token}}");
    });
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "plain-token").containsKey("authorization"));
    Instant changedAt = Instant.parse(keymint.secret(namespace, "plain-token").getMetadata().getAnnotations()
        .get(RolloutRestart.CHANGED_AT));
    await().atMost(TIMEOUT).until(() -> restartedAt(reader.get()) != null);
    assertThat(Instant.parse(restartedAt(reader.get()))).isAfterOrEqualTo(changedAt);
    assertThat(accessToken("plain")).as("the same token, rendered anew").isEqualTo(token);
  }

  // --- helpers -------------------------------------------------------------------------------

  /** Every pod template restart annotation a workload takes, as its watch reports it (each value once). */
  private static final class Rollouts implements Watcher<HasMetadata>, AutoCloseable {
    private final List<String> templates = new CopyOnWriteArrayList<>();
    private final Watch watch;

    @SuppressWarnings("unchecked")
    Rollouts(Resource<? extends HasMetadata> workload) {
      this.watch = ((Resource<HasMetadata>) workload).watch(this);
    }

    @Override
    public void eventReceived(Action action, HasMetadata workload) {
      String value = restartedAt(workload);
      if (value != null && (templates.isEmpty() || !templates.get(templates.size() - 1).equals(value))) {
        templates.add(value);
      }
    }

    @Override
    public void onClose(WatcherException cause) {}

    List<String> templates() {
      return templates;
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  private static String restartedAt(HasMetadata workload) {
    PodTemplateSpec template = workload instanceof Deployment d ? d.getSpec().getTemplate()
        : workload instanceof StatefulSet s ? s.getSpec().getTemplate() : ((DaemonSet) workload).getSpec().getTemplate();
    Map<String, String> annotations = template.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(RolloutRestart.ANNOTATION);
  }

  private static PodTemplateSpec podTemplate(String app) {
    return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", app).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build();
  }

  private void application(String name) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.setSpec(new ClientApplicationSpec());
    keymint.create(app);
  }

  private void appToken(String name, String application, RolloutTarget... targets) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.getMetadata().setAnnotations(new HashMap<>());
    token.setSpec(new AppTokenSpec());
    token.getSpec().clientApplicationRef = new LocalObjectReference(application);
    token.getSpec().rolloutRestart = List.of(targets);
    keymint.create(token);
  }

  private AppToken awaitIssued(String name) {
    return keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus, ready("True", "TokenIssued"));
  }

  private String accessToken(String name) {
    return keymint.secretData(namespace, name + "-token").get("access_token");
  }

  private void requestRefresh(String name, String value) {
    keymint.edit(AppToken.class, namespace, name, t -> t.getMetadata().getAnnotations().put("keymint.io/refresh", value));
  }

  private static RolloutTarget target(RolloutTarget.Kind kind, String name) {
    RolloutTarget target = new RolloutTarget();
    target.kind = kind;
    target.name = name;
    return target;
  }
}
