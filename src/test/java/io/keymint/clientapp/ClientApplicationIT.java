package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.Condition;
import io.keymint.api.SecretTemplate;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.RolePolicy;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;

/** ClientApplication end to end: the CRUD mock API, Keymint in-process, and a real Keycloak. */
@ExtendWith(KeycloakExtension.class)
class ClientApplicationIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    realm.createRealmRole("operator");
    realm.createClientWithRoles("model-registry", "viewer", "editor");
    keymint = KeymintFixture.start(realm, Map.of(
        "KEYMINT_GRANTABLE_ROLES", "researcher,operator,model-registry/*,*-shared/*",
        "KEYMINT_ALLOWED_REALMS", realm.name()));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("ca");
  }

  @Test
  void confidentialApplicationTokenHoldsExactlyTheGrantedRoles() {
    ClientApplication app = create("scorer", spec -> {
      spec.serviceAccount = serviceAccount(List.of("researcher"), "model-registry", List.of("viewer"));
      spec.roles = List.of("read", "operate");
      spec.accessTokenLifespan = "2m";
      spec.description = "Scores payments";
      spec.secret = new ClientApplicationSpec.OutputSecret();
      spec.secret.template = new SecretTemplate();
      spec.secret.template.labels = Map.of("team", "a");
    });
    ClientApplicationStatus status = awaitReady(app).getStatus();
    String clientId = namespace + ".scorer";
    assertThat(status.clientId).isEqualTo(clientId);
    assertThat(status.realm).isEqualTo(realm.name());
    assertThat(status.tokenUrl).isEqualTo(realm.tokenUrl());
    assertThat(status.issuerUrl).isEqualTo(realm.issuerUrl());
    assertThat(status.secretName).isEqualTo("scorer-client");
    assertThat(status.secretRotatedAt).isNotNull();
    assertThat(status.observedGeneration).isEqualTo(app.getMetadata().getGeneration());

    Map<String, String> data = keymint.secretData(namespace, "scorer-client");
    assertThat(data).containsEntry("client_id", clientId).containsEntry("realm", realm.name())
        .containsEntry("token_url", realm.tokenUrl()).containsEntry("issuer_url", realm.issuerUrl())
        .containsKey("client_secret");
    Secret secret = keymint.secret(namespace, "scorer-client");
    assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "keymint")
        .containsEntry("keymint.io/kind", "ClientApplication").containsEntry("keymint.io/name", "scorer")
        .containsEntry("team", "a");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo(app.getMetadata().getUid()));

    var token = realm.clientCredentials(data.get("client_id"), data.get("client_secret"));
    assertThat(token.status()).isEqualTo(200);
    assertThat(realmRoles(token.claims())).containsExactly("researcher");
    assertThat(clientRoles(token.claims(), "model-registry")).containsExactly("viewer");
    assertThat(((Number) token.body().get("expires_in")).intValue()).isEqualTo(120);

    ClientRepresentation client = realm.findClient(clientId);
    assertThat(client.isServiceAccountsEnabled()).isTrue();
    assertThat(client.isStandardFlowEnabled()).isFalse();
    assertThat(client.isDirectAccessGrantsEnabled()).isFalse();
    assertThat(client.getDescription()).isEqualTo("Scores payments");
    assertThat(realm.admin().clients().get(client.getId()).roles().list())
        .extracting(r -> r.getName()).containsExactlyInAnyOrder("read", "operate");
  }

  @Test
  void rolesAddedAndRemovedInTheSpecFollowIntoTheToken() {
    ClientApplication app = create("follower", spec ->
        spec.serviceAccount = serviceAccount(List.of("researcher"), "model-registry", List.of("viewer")));
    awaitReady(app);
    edit(app, spec -> spec.serviceAccount = serviceAccount(List.of("operator"), "model-registry", List.of("editor")));
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> data = keymint.secretData(namespace, "follower-client");
      var claims = realm.clientCredentials(data.get("client_id"), data.get("client_secret")).claims();
      assertThat(realmRoles(claims)).containsExactly("operator");
      assertThat(clientRoles(claims, "model-registry")).containsExactly("editor");
    });
    edit(app, spec -> spec.serviceAccount = new ClientApplicationSpec.ServiceAccount());
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> data = keymint.secretData(namespace, "follower-client");
      var claims = realm.clientCredentials(data.get("client_id"), data.get("client_secret")).claims();
      assertThat(realmRoles(claims)).isEmpty();
      assertThat(clientRoles(claims, "model-registry")).isEmpty();
    });
  }

  @Test
  void rotationByAnnotationRefusesTheOldSecretAtOnce() {
    ClientApplication app = create("rotating", spec -> { });
    String rotatedAt = awaitReady(app).getStatus().secretRotatedAt;
    Map<String, String> before = keymint.secretData(namespace, "rotating-client");
    assertThat(realm.clientCredentials(before.get("client_id"), before.get("client_secret")).status()).isEqualTo(200);

    keymint.edit(ClientApplication.class, namespace, "rotating", a -> {
          a.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "2026-11-23");
        });
    await().atMost(TIMEOUT).until(() -> !before.get("client_secret")
        .equals(keymint.secretData(namespace, "rotating-client").get("client_secret")));
    Map<String, String> after = keymint.secretData(namespace, "rotating-client");
    assertThat(realm.clientCredentials(before.get("client_id"), before.get("client_secret")).status()).isEqualTo(401);
    assertThat(realm.clientCredentials(after.get("client_id"), after.get("client_secret")).status()).isEqualTo(200);
    ClientApplicationStatus status = awaitReady(app).getStatus();
    assertThat(status.lastRotationRequest).isEqualTo("2026-11-23");
    assertThat(events("rotating")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("SecretRotated");
      assertThat(e.getType()).isEqualTo("Normal");
      assertThat(e.getMessage()).doesNotContain(after.get("client_secret")).doesNotContain(before.get("client_secret"));
    });
    assertThat(events("rotating")).as("a first Ready is no news: Events mark changes of state")
        .noneSatisfy(e -> assertThat(e.getReason()).isEqualTo("Provisioned"));
    assertThat(status.secretRotatedAt).isGreaterThanOrEqualTo(rotatedAt);
    // no client-secret rotation policy in this realm: Keycloak kept no rotated secret, and status says so
    assertThat(status.previousCredentialExpiresAt).isEqualTo(status.secretRotatedAt);
    assertThat(status.condition(Condition.READY).message).contains("previous client secret ended at once");
    assertThat(events("rotating")).anySatisfy(e -> assertThat(e.getMessage()).contains("keeps no rotated secret"));
  }

  @Test
  void rotationByPeriodReplacesTheSecretWhenDue() {
    ClientApplication app = create("periodic", spec -> {
      spec.secret = new ClientApplicationSpec.OutputSecret();
      spec.secret.rotation = new ClientApplicationSpec.Rotation();
      spec.secret.rotation.period = "10s";
    });
    awaitReady(app);
    Map<String, String> first = keymint.secretData(namespace, "periodic-client");
    String firstRotation = keymint.get(ClientApplication.class, namespace, "periodic").getStatus().secretRotatedAt;
    await().atMost(TIMEOUT).until(() -> !first.get("client_secret")
        .equals(keymint.secretData(namespace, "periodic-client").get("client_secret")));
    Map<String, String> second = keymint.secretData(namespace, "periodic-client");
    assertThat(realm.clientCredentials(first.get("client_id"), first.get("client_secret")).status()).isEqualTo(401);
    assertThat(realm.clientCredentials(second.get("client_id"), second.get("client_secret")).status()).isEqualTo(200);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
        keymint.get(ClientApplication.class, namespace, "periodic").getStatus().secretRotatedAt).isGreaterThan(firstRotation));
  }

  @Test
  void publicClientHasNoSecretAndItsFlows() {
    ClientApplication app = create("spa", spec -> {
      spec.type = ClientApplicationSpec.Type.Public;
      spec.flows = new ClientApplicationSpec.Flows();
      spec.flows.standard = true;
      spec.redirectUris = List.of("https://app.example/callback");
      spec.webOrigins = List.of("https://app.example");
      spec.defaultClientScopes = List.of("profile", "email");
      spec.optionalClientScopes = List.of("offline_access");
    });
    ClientApplicationStatus status = awaitReady(app).getStatus();
    assertThat(status.secretRotatedAt).isNull();
    assertThat(keymint.secretData(namespace, "spa-client")).doesNotContainKey("client_secret").containsKey("client_id");
    ClientRepresentation client = realm.findClient(namespace + ".spa");
    assertThat(client.isPublicClient()).isTrue();
    assertThat(client.isServiceAccountsEnabled()).isFalse();
    assertThat(client.isStandardFlowEnabled()).isTrue();
    assertThat(client.getRedirectUris()).containsExactly("https://app.example/callback");
    assertThat(client.getWebOrigins()).containsExactly("https://app.example");
    var clientResource = realm.admin().clients().get(client.getId());
    assertThat(clientResource.getDefaultClientScopes()).extracting(s -> s.getName()).containsExactlyInAnyOrder("profile", "email");
    assertThat(clientResource.getOptionalClientScopes()).extracting(s -> s.getName()).containsExactly("offline_access");
  }

  @Test
  void deletionRemovesTheKeycloakClientUnlessRetained() {
    ClientApplication deleted = create("gone", spec -> { });
    ClientApplication retained = create("kept", spec -> spec.deletionPolicy = ClientApplicationSpec.DeletionPolicy.Retain);
    awaitReady(deleted);
    awaitReady(retained);
    assertThat(keymint.get(ClientApplication.class, namespace, "gone").getMetadata().getFinalizers()).isNotEmpty();

    keymint.client().resource(keymint.get(ClientApplication.class, namespace, "gone")).delete();
    keymint.client().resource(keymint.get(ClientApplication.class, namespace, "kept")).delete();
    await().atMost(TIMEOUT).until(() -> keymint.get(ClientApplication.class, namespace, "gone") == null
        && keymint.get(ClientApplication.class, namespace, "kept") == null);
    assertThat(realm.countClients(namespace + ".gone")).isZero();
    assertThat(realm.countClients(namespace + ".kept")).isEqualTo(1);
  }

  @Test
  void foreignClientWithTheSameClientIdIsNeverTouched() {
    String legacy = namespace + ".legacy-app"; // inside the namespace's prefix, made by hand
    realm.createClientWithRoles(legacy, "keep");
    ClientRepresentation foreign = realm.findClient(legacy);
    ClientApplication app = create("squatter", spec -> {
      spec.clientId = legacy;
      spec.roles = List.of("other");
    });
    ClientApplication stalled = awaitStalled(app, "ClientOwnedElsewhere");
    assertThat(stalled.getStatus().condition(Condition.READY).message).contains(legacy).contains("not created");
    ClientRepresentation after = realm.findClient(legacy);
    assertThat(after.getAttributes()).isEqualTo(foreign.getAttributes());
    assertThat(realm.admin().clients().get(after.getId()).roles().list()).extracting(r -> r.getName()).containsExactly("keep");
    assertThat(keymint.secret(namespace, "squatter-client")).isNull();

    keymint.client().resource(keymint.get(ClientApplication.class, namespace, "squatter")).delete();
    await().atMost(TIMEOUT).until(() -> keymint.get(ClientApplication.class, namespace, "squatter") == null);
    assertThat(realm.countClients(legacy)).as("deleting the resource leaves the foreign client").isEqualTo(1);
  }

  @Test
  void administrativeRolesAreRefusedAndNothingIsCreated() {
    ClientApplication realmAdmin = create("escalate", spec ->
        spec.serviceAccount = serviceAccount(List.of(), "realm-management", List.of("realm-admin")));
    ClientApplication admin = create("admin", spec -> spec.serviceAccount = serviceAccount(List.of("admin"), null, null));
    ClientApplication notGrantable = create("ungrantable", spec ->
        spec.serviceAccount = serviceAccount(List.of("offline_access"), null, null));
    assertThat(awaitStalled(realmAdmin, "RoleNotAllowed").getStatus().condition(Condition.STALLED).message)
        .contains("realm-management");
    assertThat(awaitStalled(admin, "RoleNotAllowed").getStatus().condition(Condition.READY).message).contains("admin");
    assertThat(awaitStalled(notGrantable, "RoleNotAllowed").getStatus().condition(Condition.READY).message)
        .contains("KEYMINT_GRANTABLE_ROLES");
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events("escalate")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("RoleNotAllowed");
      assertThat(e.getType()).isEqualTo("Warning");
    }));
    assertThat(realm.countClients(namespace + ".escalate")).isZero();
    assertThat(realm.countClients(namespace + ".admin")).isZero();
    assertThat(realm.countClients(namespace + ".ungrantable")).isZero();
  }

  @Test
  void aCompositeRoleHidingAdminRightsIsRefused() {
    realm.createClientWithRoles("tools-shared", "use");
    ClientApplication app = create("smuggler", spec -> spec.serviceAccount = new ClientApplicationSpec.ServiceAccount());
    awaitReady(app);
    // tools-shared/* is grantable by name; what the role contains is not
    realm.addCompositeToClientRole("tools-shared", "use", "realm-management", "manage-clients");
    edit(app, spec -> spec.serviceAccount = serviceAccount(List.of(), "tools-shared", List.of("use")));
    assertThat(awaitStalled(app, "RoleNotAllowed").getStatus().condition(Condition.READY).message)
        .contains("manage-clients");
  }

  @Test
  void realmOutsideTheAllowListIsRefused() {
    ClientApplication app = create("elsewhere", spec -> spec.realm = "master");
    assertThat(awaitStalled(app, "RealmNotAllowed").getStatus().condition(Condition.READY).message).contains("master");
  }

  @Test
  void aSecretKeymintDoesNotOwnIsNeverOverwritten() {
    keymint.client().secrets().inNamespace(namespace).resource(new SecretBuilder()
        .withNewMetadata().withName("taken-client").withNamespace(namespace).endMetadata()
        .addToData("mine", "bWluZQ==").build()).create();
    ClientApplication app = create("taken", spec -> { });
    awaitStalled(app, "SecretConflict");
    assertThat(keymint.secret(namespace, "taken-client").getData()).containsOnlyKeys("mine");
    assertThat(realm.countClients(namespace + "-taken")).as("nothing created while the Secret conflicts").isZero();
  }

  @Test
  void anEditedOrDeletedOutputSecretIsRestored() {
    ClientApplication app = create("restored", spec -> { });
    awaitReady(app);
    Map<String, String> original = keymint.secretData(namespace, "restored-client");
    keymint.client().secrets().inNamespace(namespace).withName("restored-client")
        .edit(s -> new SecretBuilder(s).addToData("client_secret", "dGFtcGVyZWQ=").build());
    await().atMost(TIMEOUT).until(() -> original.equals(keymint.secretData(namespace, "restored-client")));
    keymint.client().secrets().inNamespace(namespace).withName("restored-client").delete();
    await().atMost(TIMEOUT).until(() -> original.equals(keymint.secretData(namespace, "restored-client")));
  }

  @Test
  void anUnchangedSpecReconciledOnAnEventMakesNoAdminRequest() {
    ClientApplication app = create("quiet", spec -> { });
    awaitReady(app);
    KeycloakGateway gateway = keymint.operator().keycloak();
    long before = gateway.adminRequestCount();
    // a label on the resource and a template label: events that change nothing in Keycloak
    keymint.edit(ClientApplication.class, namespace, "quiet", a -> {
      a.getMetadata().getLabels().put("touched", "yes");
      a.getSpec().secret = new ClientApplicationSpec.OutputSecret();
      a.getSpec().secret.template = new SecretTemplate();
      a.getSpec().secret.template.labels = Map.of("touched", "yes");
    });
    await().atMost(TIMEOUT).until(() -> "yes".equals(keymint.secret(namespace, "quiet-client").getMetadata().getLabels().get("touched")));
    awaitReady(app);
    assertThat(gateway.adminRequestCount() - before).isZero();
  }

  @Test
  void operatorStoppedBetweenCreatingTheClientAndWritingTheSecretConvergesToOneClient() {
    keymint.stopOperator();
    try {
      ClientApplication app = create("interrupted", spec -> spec.roles = List.of("read"));
      // exactly what the reconciler does before it writes the Secret, then "crash"
      ClientApplicationModel model = ClientApplicationModel.from(app, keymint.config(),
          new RolePolicy(keymint.config().grantableRoles()));
      try (KeycloakGateway gateway = new KeycloakGateway(keymint.config().keycloak(), new io.keymint.keycloak.RolePolicy(keymint.config().grantableRoles()), new io.keymint.observe.KeymintMetrics())) {
        gateway.ensureClient(model.client());
      }
      assertThat(keymint.secret(namespace, "interrupted-client")).isNull();
    } finally {
      keymint.startOperator();
    }
    awaitReady(keymint.get(ClientApplication.class, namespace, "interrupted"));
    assertThat(realm.countClients(namespace + ".interrupted")).isEqualTo(1);
    Map<String, String> data = keymint.secretData(namespace, "interrupted-client");
    assertThat(realm.clientCredentials(data.get("client_id"), data.get("client_secret")).status()).isEqualTo(200);
  }

  @Test
  void aBadResourceNeverStopsTheOthers() {
    ClientApplication bad = create("bad", spec -> spec.realm = "nowhere");
    ClientApplication good = create("good", spec -> { });
    awaitStalled(bad, "RealmNotAllowed");
    awaitReady(good);
  }

  // --- helpers -------------------------------------------------------------------------------

  private List<io.fabric8.kubernetes.api.model.Event> events(String name) {
    return keymint.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private ClientApplication create(String name, Consumer<ClientApplicationSpec> specEdit) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setLabels(new java.util.HashMap<>(Map.of("group", "a")));
    app.getMetadata().setAnnotations(new java.util.HashMap<>());
    ClientApplicationSpec spec = new ClientApplicationSpec();
    specEdit.accept(spec);
    app.setSpec(spec);
    return keymint.create(app);
  }

  private void edit(ClientApplication app, Consumer<ClientApplicationSpec> specEdit) {
    keymint.edit(ClientApplication.class, namespace, app.getMetadata().getName(), a -> {
      specEdit.accept(a.getSpec());
    });
  }

  private ClientApplication awaitReady(ClientApplication app) {
    return keymint.awaitProvisioned(namespace, app.getMetadata().getName());
  }

  private ClientApplication awaitStalled(ClientApplication app, String reason) {
    ClientApplication stalled = keymint.awaitStatus(ClientApplication.class, namespace, app.getMetadata().getName(),
        ClientApplication::getStatus, ready("False", reason));
    assertThat(stalled.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
    return stalled;
  }

  private static ClientApplicationSpec.ServiceAccount serviceAccount(List<String> realmRoles, String client, List<String> roles) {
    ClientApplicationSpec.ServiceAccount account = new ClientApplicationSpec.ServiceAccount();
    account.realmRoles = realmRoles;
    if (client != null) {
      account.clientRoles = List.of(new ClientApplicationSpec.ClientRoles(client, roles));
    }
    return account;
  }

  @SuppressWarnings("unchecked")
  static List<String> realmRoles(Map<String, Object> claims) {
    Map<String, Object> access = (Map<String, Object>) claims.get("realm_access");
    return access == null ? List.of() : new ArrayList<>((List<String>) access.get("roles"));
  }

  @SuppressWarnings("unchecked")
  static List<String> clientRoles(Map<String, Object> claims, String clientId) {
    Map<String, Object> resources = (Map<String, Object>) claims.get("resource_access");
    Map<String, Object> access = resources == null ? null : (Map<String, Object>) resources.get(clientId);
    return access == null ? List.of() : new ArrayList<>((List<String>) access.get("roles"));
  }
}
