package io.keymint.security;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.keycloak.OwnerMark;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * Issue 15: a tenant who can write the status subresource of its own Keymint resources (the mock
 * applies no RBAC, so the tests simply patch status) points it at clients that are not its own:
 * another namespace's application, a private-key application, Keymint's own admin client. Keycloak's
 * answer is the verdict: the victims' credentials still work and never changed, no key landed in a
 * victim's key set, and the forger ends with its own client. Also the clientId rules: defaults that
 * never collide, chosen ids inside the namespace's prefix, and ids kept from before the rules.
 */
@ExtendWith(KeycloakExtension.class)
class ForgedStatusIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private String victims;
  private String tenant;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    keymint = KeymintFixture.start(realm, Map.of());
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespaces() {
    victims = keymint.newNamespace("victims");
    tenant = keymint.newNamespace("forger");
  }

  @Test
  void aForgedClientUuidNeverHandsOverOrRotatesAnotherNamespacesClientSecret() {
    application(victims, "payments", spec -> { });
    application(tenant, "forger", spec -> { });
    awaitReady(victims, "payments");
    awaitReady(tenant, "forger");
    Map<String, String> victim = keymint.secretData(victims, "payments-client");
    String victimUuid = realm.findClient(victim.get("client_id")).getId();
    String forgerUuid = realm.findClient(tenant + ".forger").getId();

    // the steps: status names the victim's client, the drift check is "not due" until 2099, the Secret goes
    forgeStatus(tenant, "forger", Map.of("clientUuid", victimUuid, "lastSyncTime", "2099-01-01T00:00:00Z"));
    keymint.client().secrets().inNamespace(tenant).withName("forger-client").delete();
    Map<String, String> restored = awaitSecret(tenant, "forger-client");
    assertOwnCredential(restored, tenant + ".forger", victim);
    assertThat(awaitReady(tenant, "forger").getStatus().clientUuid).isEqualTo(forgerUuid);

    // the same without touching lastSyncTime: the client counts as current, the status id is checked before use
    forgeStatus(tenant, "forger", Map.of("clientUuid", victimUuid));
    keymint.client().secrets().inNamespace(tenant).withName("forger-client").delete();
    assertOwnCredential(awaitSecret(tenant, "forger-client"), tenant + ".forger", victim);

    // and a rotation asked for while status names the victim: the forger's own secret is regenerated
    String before = keymint.secretData(tenant, "forger-client").get("client_secret");
    forgeStatus(tenant, "forger", Map.of("clientUuid", victimUuid));
    rotate(ClientApplication.class, tenant, "forger", "forged-1");
    await().atMost(TIMEOUT).until(() -> !before.equals(keymint.secretData(tenant, "forger-client").get("client_secret")));
    assertOwnCredential(keymint.secretData(tenant, "forger-client"), tenant + ".forger", victim);
    assertThat(realm.admin().clients().get(victimUuid).getSecret().getValue()).as("the victim's secret in Keycloak")
        .isEqualTo(victim.get("client_secret"));
    assertThat(awaitReady(tenant, "forger").getStatus().clientUuid).isEqualTo(forgerUuid);
  }

  @Test
  void aForgedClientUuidNeverRegeneratesKeymintsOwnAdminSecret() {
    application(tenant, "forger", spec -> { });
    awaitReady(tenant, "forger");
    String adminUuid = realm.findClient(realm.adminClientId()).getId();
    String before = keymint.secretData(tenant, "forger-client").get("client_secret");

    forgeStatus(tenant, "forger", Map.of("clientUuid", adminUuid, "lastSyncTime", "2099-01-01T00:00:00Z"));
    rotate(ClientApplication.class, tenant, "forger", "take-over");
    await().atMost(TIMEOUT).until(() -> !before.equals(keymint.secretData(tenant, "forger-client").get("client_secret")));

    assertThat(realm.clientCredentials(realm.adminClientId(), realm.adminClientSecret()).status())
        .as("Keymint's admin credential still works").isEqualTo(200);
    assertThat(realm.admin().clients().get(adminUuid).getSecret().getValue()).isEqualTo(realm.adminClientSecret());
    assertOwnCredential(keymint.secretData(tenant, "forger-client"), tenant + ".forger", Map.of());
    application(tenant, "after", spec -> { });
    awaitReady(tenant, "after"); // Keymint still provisions
  }

  @Test
  void aForgedClientUuidRegistersNoKeyOnAnotherNamespacesPrivateKeyClient() throws Exception {
    Consumer<ClientApplicationSpec> keyless = spec ->
        spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
    application(victims, "signer", keyless);
    application(tenant, "forger", keyless);
    awaitReady(victims, "signer");
    awaitReady(tenant, "forger");
    ClientRepresentation victim = realm.findClient(victims + ".signer");
    Set<String> victimKeys = keyIds(victim.getClientId());
    String forgerKey = keymint.secretData(tenant, "forger-client").get("key_id");

    forgeStatus(tenant, "forger", Map.of("clientUuid", victim.getId(), "lastSyncTime", "2099-01-01T00:00:00Z"));
    rotate(ClientApplication.class, tenant, "forger", "graft");
    await().atMost(TIMEOUT).until(() -> !forgerKey.equals(keymint.secretData(tenant, "forger-client").get("key_id")));

    String newKey = keymint.secretData(tenant, "forger-client").get("key_id");
    assertThat(keyIds(victim.getClientId())).as("the victim's key set").isEqualTo(victimKeys).doesNotContain(newKey);
    assertThat(keyIds(tenant + ".forger")).contains(newKey, forgerKey);
    assertThat(awaitReady(tenant, "forger").getStatus().clientUuid).isEqualTo(realm.findClient(tenant + ".forger").getId());
  }

  @Test
  void aForgedClientUuidOnAnAudienceTokenRotatesOnlyItsOwnClient() {
    application(tenant, "billing", spec -> spec.roles = List.of("read"), Map.of("group", "a"));
    awaitReady(tenant, "billing");
    AppToken token = new AppToken();
    token.getMetadata().setName("reader");
    token.getMetadata().setNamespace(tenant);
    token.setSpec(new AppTokenSpec());
    token.getSpec().audience = new AppTokenSpec.Audience();
    token.getSpec().audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", "a").build();
    token.getSpec().audience.roles = List.of("read");
    keymint.create(token);
    keymint.awaitStatus(AppToken.class, tenant, "reader", AppToken::getStatus, ready("True", "TokenIssued"));
    String ownClient = tenant + ".reader_token";
    String ownSecret = realm.admin().clients().get(realm.findClient(ownClient).getId()).getSecret().getValue();
    String adminUuid = realm.findClient(realm.adminClientId()).getId();

    forgeStatus(AppToken.class, tenant, "reader", Map.of("clientUuid", adminUuid));
    rotate(AppToken.class, tenant, "reader", "take-over");
    await().atMost(TIMEOUT).until(() -> !ownSecret.equals(
        realm.admin().clients().get(realm.findClient(ownClient).getId()).getSecret().getValue()));
    assertThat(realm.clientCredentials(realm.adminClientId(), realm.adminClientSecret()).status())
        .as("Keymint's admin credential still works").isEqualTo(200);

    String rotatedOnce = realm.admin().clients().get(realm.findClient(ownClient).getId()).getSecret().getValue();
    forgeStatus(AppToken.class, tenant, "reader", Map.of("clientUuid", adminUuid, "lastSyncTime", "2099-01-01T00:00:00Z"));
    rotate(AppToken.class, tenant, "reader", "take-over-again");
    await().atMost(TIMEOUT).until(() -> !rotatedOnce.equals(
        realm.admin().clients().get(realm.findClient(ownClient).getId()).getSecret().getValue()));

    assertThat(realm.clientCredentials(realm.adminClientId(), realm.adminClientSecret()).status())
        .as("Keymint's admin credential still works").isEqualTo(200);
    AppToken after = keymint.awaitStatus(AppToken.class, tenant, "reader", AppToken::getStatus, s -> {
      var ready = s.condition(io.keymint.api.Condition.READY);
      return ready != null && "True".equals(ready.status) && keymint.get(AppToken.class, tenant, "reader")
          .getStatus().clientUuid.equals(realm.findClient(ownClient).getId());
    });
    assertThat(after.getStatus().clientId).isEqualTo(ownClient);
    keymint.deleteTokens(tenant);
  }

  @Test
  void defaultClientIdsOfDifferentNamespacesNeverCollide() {
    String x = namespace(keymint.newNamespace("cid"));
    String xb = namespace(x + "-b");
    application(x, "b-c", spec -> { });
    application(xb, "c", spec -> { });
    Map<String, String> first = keymint.secretData(x, awaitReady(x, "b-c").getStatus().secretName);
    Map<String, String> second = keymint.secretData(xb, awaitReady(xb, "c").getStatus().secretName);
    assertThat(first.get("client_id")).isEqualTo(x + ".b-c");
    assertThat(second.get("client_id")).isEqualTo(x + "-b.c");
    assertThat(realm.clientCredentials(first.get("client_id"), first.get("client_secret")).status()).isEqualTo(200);
    assertThat(realm.clientCredentials(second.get("client_id"), second.get("client_secret")).status()).isEqualTo(200);
    assertThat(realm.countClients(x + "-b-c")).as("the old, ambiguous form").isZero();
  }

  @Test
  void aChosenClientIdOutsideTheNamespacesPrefixIsRefusedAndNothingIsCreated() {
    application(tenant, "squatter", spec -> spec.clientId = victims + ".payments");
    ClientApplication refused = keymint.awaitStatus(ClientApplication.class, tenant, "squatter",
        ClientApplication::getStatus, ready("False", "InvalidSpec"));
    assertThat(refused.getStatus().condition(io.keymint.api.Condition.READY).message)
        .contains("KEYMINT_CLIENT_ID_PATTERN", tenant + ".*");
    assertThat(realm.countClients(victims + ".payments")).isZero();
    assertThat(refused.getStatus().clientId).isNull();

    // a status naming the squatted id changes nothing: only Keycloak's mark could keep an id from before
    forgeStatus(tenant, "squatter", Map.of("clientId", victims + ".payments"));
    keymint.edit(ClientApplication.class, tenant, "squatter", a -> a.getSpec().description = "again");
    await().during(java.time.Duration.ofSeconds(3)).atMost(TIMEOUT)
        .until(() -> realm.countClients(victims + ".payments") == 0);
    assertThat(keymint.get(ClientApplication.class, tenant, "squatter").getStatus().condition(io.keymint.api.Condition.READY)
        .reason).isEqualTo("InvalidSpec");
  }

  /** An application provisioned by an earlier Keymint, as "<namespace>-<name>", keeps its client after the upgrade. */
  @Test
  void anApplicationFromBeforeTheClientIdRulesKeepsItsClientAndAForgedOldIdCreatesNone() {
    keymint.stopOperator();
    String legacyId = tenant + "-legacy";
    try {
      ClientApplication legacy = application(tenant, "legacy", spec -> { });
      OwnerMark mark = new OwnerMark(legacy.getMetadata().getUid(), "ClientApplication", tenant, "legacy");
      ClientRepresentation client = new ClientRepresentation();
      client.setClientId(legacyId);
      client.setServiceAccountsEnabled(true);
      client.setStandardFlowEnabled(false);
      client.setAttributes(new HashMap<>(mark.attributes()));
      realm.admin().clients().create(client).close();
      forgeStatus(tenant, "legacy", Map.of("clientId", legacyId, "realm", realm.name(),
          "clientUuid", realm.findClient(legacyId).getId()));
      application(tenant, "forged-legacy", spec -> { });
      forgeStatus(tenant, "forged-legacy", Map.of("clientId", tenant + "-forged-legacy")); // no such client exists
    } finally {
      keymint.startOperator();
    }
    Map<String, String> kept = keymint.secretData(tenant, awaitReady(tenant, "legacy").getStatus().secretName);
    assertThat(kept.get("client_id")).isEqualTo(legacyId);
    assertThat(realm.clientCredentials(legacyId, kept.get("client_secret")).status()).isEqualTo(200);
    assertThat(realm.countClients(tenant + ".legacy")).as("no second client").isZero();

    ClientApplication forged = await().atMost(TIMEOUT).until(() -> keymint.get(ClientApplication.class, tenant, "forged-legacy"),
        a -> a.getStatus() != null && (tenant + ".forged-legacy").equals(a.getStatus().clientId));
    assertThat(forged.getStatus().condition(io.keymint.api.Condition.READY).status).isEqualTo("True");
    assertThat(realm.countClients(tenant + "-forged-legacy")).as("an old id only a status names is not created").isZero();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private ClientApplication application(String namespace, String name, Consumer<ClientApplicationSpec> edit) {
    return application(namespace, name, edit, Map.of());
  }

  private ClientApplication application(String namespace, String name, Consumer<ClientApplicationSpec> edit,
      Map<String, String> labels) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setLabels(labels);
    app.setSpec(new ClientApplicationSpec());
    edit.accept(app.getSpec());
    return keymint.create(app);
  }

  private ClientApplication awaitReady(String namespace, String name) {
    return keymint.awaitStatus(ClientApplication.class, namespace, name, ClientApplication::getStatus,
        ready("True", "Provisioned"));
  }

  private Map<String, String> awaitSecret(String namespace, String name) {
    await().atMost(TIMEOUT).until(() -> keymint.secret(namespace, name) != null);
    return keymint.secretData(namespace, name);
  }

  private String namespace(String name) {
    keymint.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(existing -> existing.update());
    return name;
  }

  /** What a tenant with write access to status does: a merge patch of the status subresource. */
  private void forgeStatus(String namespace, String name, Map<String, String> fields) {
    forgeStatus(ClientApplication.class, namespace, name, fields);
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void forgeStatus(Class<T> type, String namespace,
      String name, Map<String, String> fields) {
    String patch = fields.entrySet().stream().map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
        .collect(Collectors.joining(",", "{\"status\":{", "}}"));
    keymint.client().resources(type).inNamespace(namespace).withName(name).subresource("status")
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void rotate(Class<T> type, String namespace, String name,
      String value) {
    keymint.edit(type, namespace, name, r -> {
      Map<String, String> annotations = r.getMetadata().getAnnotations() == null ? new HashMap<>()
          : new HashMap<>(r.getMetadata().getAnnotations());
      annotations.put("keymint.io/rotate-secret", value);
      r.getMetadata().setAnnotations(annotations);
    });
  }

  /** The forger's Secret holds a credential of its own client that Keycloak accepts, and none of the victim's. */
  private void assertOwnCredential(Map<String, String> data, String ownClientId, Map<String, String> victim) {
    assertThat(data.get("client_id")).isEqualTo(ownClientId);
    if (victim.containsKey("client_secret")) {
      assertThat(data.get("client_secret")).isNotEqualTo(victim.get("client_secret"));
      assertThat(realm.clientCredentials(victim.get("client_id"), victim.get("client_secret")).status())
          .as("the victim's secret still works").isEqualTo(200);
    }
    assertThat(realm.clientCredentials(ownClientId, data.get("client_secret")).status()).isEqualTo(200);
  }

  private Set<String> keyIds(String clientId) throws Exception {
    String jwks = realm.findClient(clientId).getAttributes().get("jwks.string");
    return JWKSet.parse(jwks).getKeys().stream().map(JWK::getKeyID).collect(Collectors.toSet());
  }
}
