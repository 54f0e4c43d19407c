package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.SecretTemplate;
import io.keymint.clientapp.ClientApplication;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputSecretsTest {

  private static ClientApplication owner() {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("scorer");
    app.getMetadata().setNamespace("team-a");
    app.getMetadata().setUid("uid-1");
    return app;
  }

  @Test
  void desiredSecretCarriesTheContractLabelsTemplateAndControllerOwner() {
    SecretTemplate template = new SecretTemplate();
    template.labels = Map.of("team", "a", "keymint.io/kind", "spoofed");
    template.annotations = Map.of("note", "x");
    Secret secret = OutputSecrets.desired(owner(), "scorer-client", Map.of("client_id", "c"), template);
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "keymint")
        .containsEntry("keymint.io/kind", "ClientApplication").containsEntry("keymint.io/name", "scorer")
        .containsEntry("team", "a");
    assertThat(secret.getMetadata().getAnnotations()).containsEntry("note", "x").containsKey("keymint.io/data-hash");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
      assertThat(r.getController()).isTrue();
      assertThat(r.getUid()).isEqualTo("uid-1");
      assertThat(r.getKind()).isEqualTo("ClientApplication");
    });
    assertThat(secret.getData()).containsEntry("client_id", "Yw==");
    assertThat(OutputSecrets.isOwnedBy(secret, owner())).isTrue();
  }

  @Test
  void anEditedSecretIsNotIntact() {
    Secret secret = OutputSecrets.desired(owner(), "s", Map.of("client_id", "c", "client_secret", "s1"), null);
    List<String> keys = List.of("client_id", "client_secret");
    assertThat(OutputSecrets.isIntact(secret, keys)).isTrue();
    Secret edited = new SecretBuilder(secret).addToData("client_secret", "ZWRpdGVk").build();
    assertThat(OutputSecrets.isIntact(edited, keys)).isFalse();
    Secret extraKey = new SecretBuilder(secret).addToData("mine", "eA==").build();
    assertThat(OutputSecrets.isIntact(extraKey, keys)).as("keys Keymint does not manage are ignored").isTrue();
  }

  @Test
  void matchesIgnoresWhatOthersAddedButNotWhatWeOwn() {
    Secret desired = OutputSecrets.desired(owner(), "s", Map.of("client_id", "c"), null);
    Secret withForeignLabel = new SecretBuilder(desired).editMetadata().addToLabels("argocd", "x").endMetadata().build();
    assertThat(OutputSecrets.matches(withForeignLabel, desired)).isTrue();
    Secret relabelled = new SecretBuilder(desired).editMetadata().addToLabels("keymint.io/name", "other").endMetadata().build();
    assertThat(OutputSecrets.matches(relabelled, desired)).isFalse();
    assertThat(OutputSecrets.matches(null, desired)).isFalse();
  }

  @Test
  void aSecretWithoutOurControllerReferenceIsNotOurs() {
    Secret foreign = new SecretBuilder().withNewMetadata().withName("s").endMetadata().build();
    assertThat(OutputSecrets.isOwnedBy(foreign, owner())).isFalse();
  }

  private static SecretTemplate authorization(String template) {
    SecretTemplate t = new SecretTemplate();
    t.data = Map.of("authorization", template);
    return t;
  }

  @Test
  void renderedKeysArePartOfTheDataTheHashAndTheIntactnessCheck() {
    Secret secret = OutputSecrets.desired(owner(), "s", Map.of("access_token", "t1"), authorization("Bearer {{access_token}}"));
    assertThat(OutputSecrets.decode(secret)).containsEntry("access_token", "t1").containsEntry("authorization", "Bearer t1");
    assertThat(secret.getMetadata().getAnnotations()).containsEntry(OutputSecrets.TEMPLATE_KEYS, "authorization")
        .containsEntry("keymint.io/data-hash", OutputSecrets.hash(Map.of("access_token", "t1", "authorization", "Bearer t1")));
    List<String> keys = List.of("access_token");
    assertThat(OutputSecrets.isIntact(secret, keys)).isTrue();
    Secret edited = new SecretBuilder(secret).addToData("authorization", "ZWRpdGVk").build();
    assertThat(OutputSecrets.isIntact(edited, keys)).as("an edited rendered key").isFalse();
    Secret plain = OutputSecrets.desired(owner(), "s", Map.of("access_token", "t1"), null);
    assertThat(plain.getMetadata().getAnnotations()).doesNotContainKey(OutputSecrets.TEMPLATE_KEYS)
        .containsEntry("keymint.io/data-hash", OutputSecrets.hash(Map.of("access_token", "t1")));
  }

  @Test
  void aKeyNoLongerTemplatedIsRemovedByTheMergePatch() {
    Secret current = OutputSecrets.desired(owner(), "s", Map.of("access_token", "t1"), authorization("Bearer {{access_token}}"));
    Secret desired = OutputSecrets.desired(owner(), "s", Map.of("access_token", "t1"), null);
    assertThat(OutputSecrets.matches(current, desired)).isFalse();
    Secret patch = OutputSecrets.withoutStaleTemplateKeys(current, desired);
    String json = io.fabric8.kubernetes.client.utils.Serialization.asJson(patch);
    assertThat(json).contains("\"authorization\":null").contains("\"" + OutputSecrets.TEMPLATE_KEYS + "\":null");
    Secret unchanged = OutputSecrets.desired(owner(), "s", Map.of("access_token", "t2"), authorization("Bearer {{access_token}}"));
    assertThat(OutputSecrets.withoutStaleTemplateKeys(current, unchanged)).isSameAs(unchanged);
  }

  @Test
  void keysAndBookkeepingOfAnotherModeAreRemovedAndNothingElse() {
    Secret current = OutputSecrets.desired(owner(), "s", Map.of("client_id", "c", "client_secret", "s1"), null,
        Map.of("keymint.io/previous-key-id", "k1", "note", "kept"));
    current = new SecretBuilder(current).addToData("mine", "eA==").build();
    Secret desired = OutputSecrets.desired(owner(), "s", Map.of("client_id", "c", "key_id", "k2"), null);
    Secret changes = OutputSecrets.withRemovals(current, desired, java.util.Set.of("client_secret", "key_id", "mine2"),
        java.util.Set.of("keymint.io/previous-key-id"));
    assertThat(changes.getData()).containsEntry("client_secret", null).doesNotContainKey("mine")
        .containsKey("key_id").doesNotContainKey("mine2");
    assertThat(changes.getMetadata().getAnnotations()).containsEntry("keymint.io/previous-key-id", null)
        .doesNotContainKey("note");
    assertThat(OutputSecrets.matches(current, changes)).isFalse();
    assertThat(OutputSecrets.withRemovals(null, desired, java.util.Set.of("client_secret"), java.util.Set.of()))
        .isSameAs(desired);
    assertThat(OutputSecrets.withRemovals(desired, desired, java.util.Set.of("client_secret"),
        java.util.Set.of("keymint.io/previous-key-id"))).as("nothing to remove").isSameAs(desired);
  }
}
