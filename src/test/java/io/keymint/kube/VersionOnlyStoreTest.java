package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.keymint.api.Labels;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenModel;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationModel;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The own-Secret store with the ownership rule: content only of the Secrets Keymint owns by what it
 * wrote (controller owner reference to a Keymint resource in the cache, and the name that resource
 * expects), never by the label.
 */
class VersionOnlyStoreTest {

  private static final String BIG = Base64.getEncoder().encodeToString(new byte[6 * 1024]);

  private final Map<ResourceID, AppToken> tokens = new ConcurrentHashMap<>();
  private final Map<ResourceID, ClientApplication> applications = new ConcurrentHashMap<>();
  private final SecretOwners owners = SecretOwners.of(
      new SecretOwners.Owner<>(AppToken.class, id -> Optional.ofNullable(tokens.get(id)),
          t -> Set.of(AppTokenModel.secretNameOf(t))),
      new SecretOwners.Owner<>(ClientApplication.class, id -> Optional.ofNullable(applications.get(id)),
          a -> Set.of(ClientApplicationModel.secretNameOf(a))));
  private final VersionOnlyStore store = new VersionOnlyStore(owners);

  @Test
  void keepsTheContentOfKeymintsOwnSecretsOnlyNeverOfALabelledOne() {
    AppToken token = cached(token("scorer", "uid-1"));
    Secret output = OutputSecrets.desired(token, "scorer-token", Map.of("access_token", "a"), null);
    Secret labelledOnly = labelled("team-a", "lookalike");
    Secret unexpectedName = ownedBy(labelled("team-a", "scorer-extra"), token);

    assertThat(keepsData(output)).as("the output Secret Keymint wrote").isTrue();
    assertThat(keepsData(labelledOnly)).as("Keymint's label and no owner reference").isFalse();
    assertThat(keepsData(unexpectedName)).as("an owner reference to an AppToken, but not the name it writes").isFalse();
  }

  @Test
  void anOwnerReferenceCountsOnlyToAKeymintResourceInTheCacheWithThatUidAsController() {
    AppToken token = cached(token("scorer", "uid-1"));
    assertThat(keepsData(ownedBy(labelled("team-a", "scorer-token"), token(token, "uid-2"))))
        .as("another uid (a forged reference, or the resource before it was recreated)").isFalse();
    assertThat(keepsData(ownedBy(labelled("team-a", "unknown-token"), token("unknown", "uid-9"))))
        .as("a resource the cache does not hold").isFalse();
    Secret otherGroup = ownedBy(labelled("team-a", "scorer-token"), token);
    otherGroup.getMetadata().getOwnerReferences().get(0).setApiVersion("keymint.example/v1alpha1");
    assertThat(keepsData(otherGroup)).as("the same kind and name in another API group").isFalse();
    Secret notController = ownedBy(labelled("team-a", "scorer-token"), token);
    notController.getMetadata().getOwnerReferences().get(0).setController(false);
    assertThat(keepsData(notController)).as("an owner reference that is not the controller").isFalse();
    Secret otherVersion = ownedBy(labelled("team-a", "scorer-token"), token);
    otherVersion.getMetadata().getOwnerReferences().get(0).setApiVersion("keymint.io/v1");
    assertThat(keepsData(otherVersion)).as("any version of the keymint.io group").isTrue();
  }

  @Test
  void eachKindIsJudgedByTheNamesItsOwnSpecGives() {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("ledger");
    app.getMetadata().setNamespace("team-a");
    app.getMetadata().setUid("uid-app");
    applications.put(ResourceID.fromResource(app), app);
    assertThat(keepsData(OutputSecrets.desired(app, "ledger-client", Map.of("client_id", "c"), null))).isTrue();
    assertThat(keepsData(OutputSecrets.desired(app, "ledger-token", Map.of("client_id", "c"), null)))
        .as("an AppToken's default name, under an application").isFalse();
  }

  @Test
  void aVersionOnlyEntryHasNameUidVersionAndControllerButNoContentLabelsOrAnnotations() {
    AppToken token = cached(token("scorer", "uid-1"));
    Secret secret = ownedBy(labelled("team-a", "scorer-extra"), token);
    secret.getMetadata().setAnnotations(Map.of("note", BIG));
    store.put(store.getKey(secret), secret);
    Secret kept = store.get("team-a/scorer-extra");
    assertThat(VersionOnlyStore.isVersionOnly(kept)).isTrue();
    assertThat(kept.getData()).isNull();
    assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(kept.getMetadata().getName()).isEqualTo("scorer-extra");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(kept.getMetadata().getUid()).isEqualTo(secret.getMetadata().getUid());
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(OutputSecrets.isOwnedBy(kept, token)).as("mappers still find the resource it names as controller").isTrue();
    assertThat(VersionOnlyStore.isVersionOnly(store.get("team-a/none"))).isFalse();
  }

  @Test
  void aSecretBecomesWholeWhenItBecomesKeymintsAndVersionOnlyWhenItStopsBeing() {
    AppToken token = cached(token("scorer", "uid-1"));
    Secret lookalike = labelled("team-a", "scorer-token");
    assertThat(keepsData(lookalike)).isFalse();
    Secret adopted = ownedBy(labelled("team-a", "scorer-token"), token);
    assertThat(VersionOnlyStore.isVersionOnly(store.put(store.getKey(adopted), adopted)))
        .as("the informer's previous entry").isTrue();
    assertThat(store.get("team-a/scorer-token").getData()).containsKey("payload");
    Secret released = labelled("team-a", "scorer-token");
    store.put(store.getKey(released), released);
    assertThat(store.get("team-a/scorer-token").getData()).isNull();
  }

  @Test
  void aSecretSeenBeforeItsOwnerIsPromotedOnceReadAtTheSameVersion() {
    AppToken token = token("scorer", "uid-1"); // not in the cache yet
    Secret output = OutputSecrets.desired(token, "scorer-token", Map.of("access_token", "a"), null);
    output.getMetadata().setResourceVersion("7");
    assertThat(keepsData(output)).isFalse();

    assertThat(store.promote(output)).as("its owner is still unknown").isFalse();
    cached(token);
    Secret newer = new SecretBuilder(output).editMetadata().withResourceVersion("8").endMetadata().build();
    assertThat(store.promote(newer)).as("a version the informer has not seen: its event brings it").isFalse();
    assertThat(store.promote(output)).isTrue();
    assertThat(store.get("team-a/scorer-token").getData()).containsKey("access_token");
    assertThat(store.promote(output)).as("whole already").isFalse();
    assertThat(store.promote(OutputSecrets.desired(token, "absent-token", Map.of(), null))).isFalse();
  }

  @Test
  void anOwnerLookupThatFailsKeepsAVersionAndTheInformerRunning() {
    VersionOnlyStore failing = new VersionOnlyStore(SecretOwners.of(new SecretOwners.Owner<>(AppToken.class,
        id -> {
          throw new IllegalStateException("cache not started");
        }, t -> Set.of(AppTokenModel.secretNameOf(t)))));
    Secret output = OutputSecrets.desired(token("scorer", "uid-1"), "scorer-token", Map.of("access_token", "a"), null);
    failing.put(failing.getKey(output), output);
    assertThat(VersionOnlyStore.isVersionOnly(failing.get("team-a/scorer-token"))).isTrue();
  }

  @Test
  void withoutARuleEverySecretIsAVersion() {
    VersionOnlyStore others = new VersionOnlyStore();
    Secret output = OutputSecrets.desired(cached(token("scorer", "uid-1")), "scorer-token", Map.of("access_token", "a"), null);
    others.put(others.getKey(output), output);
    assertThat(others.values()).singleElement().satisfies(s -> assertThat(s.getData()).isNull());
    assertThat(others.keySet()).containsExactly("team-a/scorer-token");
    assertThat(others.remove("team-a/scorer-token").getMetadata().getName()).isEqualTo("scorer-token");
    assertThat(others.size()).isZero();
  }

  /** Puts the Secret as the informer would and says whether its data is kept. */
  private boolean keepsData(Secret secret) {
    String key = Cache.metaNamespaceKeyFunc(secret);
    store.put(key, secret);
    Secret kept = store.get(key);
    assertThat(VersionOnlyStore.isVersionOnly(kept)).isEqualTo(kept.getData() == null);
    return kept.getData() != null;
  }

  private AppToken cached(AppToken token) {
    tokens.put(ResourceID.fromResource(token), token);
    return token;
  }

  private static AppToken token(String name, String uid) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace("team-a");
    token.getMetadata().setUid(uid);
    return token;
  }

  /** The same resource with another uid. */
  private static AppToken token(AppToken token, String uid) {
    return token(token.getMetadata().getName(), uid);
  }

  private static Secret labelled(String namespace, String name) {
    return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-" + name)
        .withResourceVersion("7").withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
        .withType("Opaque").withData(Map.of("payload", BIG)).build();
  }

  private static Secret ownedBy(Secret secret, HasMetadata owner) {
    secret.getMetadata().setOwnerReferences(new java.util.ArrayList<>(java.util.List.of(
        new OwnerReferenceBuilder(OutputSecrets.ownerReference(owner)).build())));
    return secret;
  }
}
