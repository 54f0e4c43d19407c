package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.Labels;
import io.keymint.api.TokenSecret;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenModel;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.testing.KubernetesMock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The own-Secret informer on the mock API server (watch events late, as in every IT): it holds the
 * content of the Secrets Keymint owns only, from the first list after a start on, in every watched
 * namespace; a labelled Secret that is not Keymint's is held as a version, and read from the API server
 * when a reader asks for it by name. The reconciler here is a probe with Keymint's informers, so the
 * caches can be looked at directly.
 */
class SecretInformersIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String DATA = Base64.getEncoder().encodeToString(new byte[6 * 1024]);

  private static KubernetesMock kube;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    kube = KubernetesMock.start();
    client = kube.client();
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  /** AppTokens as primaries, with Keymint's two Secret informers and its ownership rule; reconciles nothing. */
  @ControllerConfiguration(name = "secret-probe")
  static final class Probe implements Reconciler<AppToken> {
    volatile SecretInformers.OwnSecrets<AppToken> own;
    volatile InformerEventSource<Secret, AppToken> others;
    final Set<ResourceID> reconciled = ConcurrentHashMap.newKeySet();

    @Override
    public List<EventSource<?, AppToken>> prepareEventSources(EventSourceContext<AppToken> context) {
      SecretReferences<AppToken> references = SecretReferences.indexed(context, t -> Set.of());
      own = (SecretInformers.OwnSecrets<AppToken>) SecretInformers.own(context, OutputSecrets.SELECTOR, references,
          SecretOwners.of(SecretOwners.primaries(context, t -> Set.of(AppTokenModel.secretNameOf(t)))));
      others = SecretInformers.others(context, references);
      return List.of(own, others);
    }

    @Override
    public UpdateControl<AppToken> reconcile(AppToken token, Context<AppToken> context) {
      reconciled.add(ResourceID.fromResource(token));
      return UpdateControl.noUpdate();
    }

    Secret cachedOwn(String namespace, String name) {
      return own.get(new ResourceID(name, namespace)).orElse(null);
    }
  }

  private static Operator operator(Probe probe, Set<String> namespaces) {
    Operator operator = new Operator(o -> o.withKubernetesClient(kube.newClient("probe")).withCloseClientOnStop(true)
        .withUseSSAToPatchPrimaryResource(false).withParseResourceVersions(true));
    operator.register(probe, o -> o.settingNamespaces(namespaces));
    operator.start();
    return operator;
  }

  @Test
  void onlyKeymintsOwnSecretsAreHeldWholeInEveryWatchedNamespaceFromTheFirstListOn() {
    List<String> namespaces = List.of(kube.newNamespace("own-a"), kube.newNamespace("own-b"));
    for (String namespace : namespaces) { // all there before Keymint starts, as after a restart
      AppToken token = token(namespace, "scorer");
      AppToken other = token(namespace, "other");
      create(OutputSecrets.desired(token, "scorer-token", Map.of("access_token", "t"), null));
      create(labelled(namespace, "lookalike"));
      create(controlledBy(labelled(namespace, "scorer-extra"), token, token.getMetadata().getUid()));
      create(controlledBy(labelled(namespace, "other-token"), other, "a-forged-uid"));
      create(new SecretBuilder(labelled(namespace, "plain")).editMetadata().withLabels(Map.of()).endMetadata().build());
    }
    Probe probe = new Probe();
    Operator operator = operator(probe, Set.copyOf(namespaces));
    try {
      for (String namespace : namespaces) { // also the namespace listed first: no informer empties another's store
        assertThat(probe.cachedOwn(namespace, "scorer-token").getData()).as(namespace).containsKey("access_token");
        for (String foreign : List.of("lookalike", "scorer-extra", "other-token")) {
          Secret cached = probe.cachedOwn(namespace, foreign);
          assertThat(VersionOnlyStore.isVersionOnly(cached)).as(namespace + "/" + foreign).isTrue();
          assertThat(cached.getData()).isNull();
        }
        assertThat(probe.others.get(new ResourceID("plain", namespace))).as(namespace + "/plain").isPresent();
      }

      kube.takeRequests();
      for (String namespace : namespaces) {
        AppToken token = client.resources(AppToken.class).inNamespace(namespace).withName("scorer").get();
        assertThat(probe.own.whole(probe.cachedOwn(namespace, "lookalike")).getData())
            .as("read from the API server when asked for by name").containsEntry("payload", DATA);
        assertThat(probe.own.whole(probe.cachedOwn(namespace, "scorer-token")).getData()).containsKey("access_token");
        Map<String, Secret> secondaries = probe.own.getSecondaryResources(token).stream()
            .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
        assertThat(secondaries).containsOnlyKeys("scorer-token", "scorer-extra");
        assertThat(secondaries.get("scorer-token").getData()).containsKey("access_token");
        assertThat(OutputSecrets.isOwnedBy(secondaries.get("scorer-extra"), token))
            .as("a Secret it controls under a name it does not write: metadata, enough to delete it").isTrue();
      }
      assertThat(secretReads()).as("only the lookalikes were read").containsExactlyInAnyOrder(
          namespaces.get(0) + "/lookalike", namespaces.get(1) + "/lookalike");
    } finally {
      operator.stop();
    }
  }

  @Test
  void aSecretIsHeldWholeWhileKeymintOwnsItAndAsAVersionOtherwise() {
    withVersionOnlySecret("own-change", token -> labelled(token.getMetadata().getNamespace(), "scorer-token"), (probe, token) -> {
      String namespace = token.getMetadata().getNamespace();
      client.secrets().inNamespace(namespace).withName("scorer-token") // now it is what Keymint writes
          .edit(s -> controlledBy(s, token, token.getMetadata().getUid()));
      await().atMost(TIMEOUT).until(() -> probe.cachedOwn(namespace, "scorer-token").getData() != null);
      assertThat(probe.cachedOwn(namespace, "scorer-token").getData()).containsEntry("payload", DATA);

      client.secrets().inNamespace(namespace).withName("scorer-token")
          .edit(s -> new SecretBuilder(s).editMetadata().withOwnerReferences(List.of()).endMetadata().build());
      await().atMost(TIMEOUT).until(() -> VersionOnlyStore.isVersionOnly(probe.cachedOwn(namespace, "scorer-token")));
    });
  }

  @Test
  void aSecretItsOwnerComesToExpectIsReadOnceAndThenHeldWhole() {
    withVersionOnlySecret("own-rename", token -> OutputSecrets.desired(token, "renamed", Map.of("access_token", "t"), null),
        (probe, token) -> {
          String namespace = token.getMetadata().getNamespace();
          AppToken renamed = client.resources(AppToken.class).inNamespace(namespace).withName("scorer").edit(t -> {
            t.getSpec().secret = new TokenSecret();
            t.getSpec().secret.name = "renamed";
            return t;
          });
          assertThat(probe.own.getSecondaryResources(renamed)).as("whole under the name it now expects, read if need be")
              .anySatisfy(s -> assertThat(s.getData()).containsKey("access_token"));
          // No event on the Secret: once the primary cache has the new spec, the next read keeps it whole.
          await().atMost(TIMEOUT).until(() -> probe.own.getSecondaryResources(renamed) != null
              && probe.cachedOwn(namespace, "renamed").getData() != null);
          assertThat(probe.cachedOwn(namespace, "renamed").getData()).containsKey("access_token");
        });
  }

  /**
   * In a fresh namespace watched by a probe: AppToken "scorer" (in the probe's cache), then {@code secret},
   * which the probe's own informer holds as a version only; then the test.
   */
  private static void withVersionOnlySecret(String prefix, Function<AppToken, Secret> secret, BiConsumer<Probe, AppToken> test) {
    String namespace = kube.newNamespace(prefix);
    Probe probe = new Probe();
    Operator operator = operator(probe, Set.of(namespace));
    try {
      AppToken token = token(namespace, "scorer");
      await().atMost(TIMEOUT).until(() -> probe.reconciled.contains(ResourceID.fromResource(token)));
      Secret created = secret.apply(token);
      create(created);
      await().atMost(TIMEOUT).until(() -> probe.cachedOwn(namespace, created.getMetadata().getName()) != null);
      assertThat(VersionOnlyStore.isVersionOnly(probe.cachedOwn(namespace, created.getMetadata().getName()))).isTrue();
      test.accept(probe, token);
    } finally {
      operator.stop();
    }
  }

  /** The Secrets read one by one from the API server since the last look, as namespace/name. */
  private static List<String> secretReads() {
    return kube.takeRequests().stream()
        .filter(r -> "GET".equals(r.getMethod()) && r.getPath().matches("/api/v1/namespaces/[^/]+/secrets/[^/?]+"))
        .map(RecordedRequest::getPath)
        .map(p -> p.replaceFirst("/api/v1/namespaces/([^/]+)/secrets/(.+)", "$1/$2"))
        .toList();
  }

  private static AppToken token(String namespace, String name) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new AppTokenSpec());
    return client.resource(token).create();
  }

  private static void create(Secret secret) {
    client.resource(secret).create();
  }

  private static Secret labelled(String namespace, String name) {
    return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
        .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
        .withType("Opaque").withData(Map.of("payload", DATA)).build();
  }

  private static Secret controlledBy(Secret secret, HasMetadata owner, String uid) {
    return new SecretBuilder(secret).editMetadata().withOwnerReferences(new OwnerReferenceBuilder(OutputSecrets.ownerReference(owner))
        .withUid(uid).build()).endMetadata().build();
  }
}
