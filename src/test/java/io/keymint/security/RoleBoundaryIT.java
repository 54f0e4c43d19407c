package io.keymint.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.keycloak.DesiredClient;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.OwnerMark;
import io.keymint.keycloak.RolePolicy;
import io.keymint.kube.ReconcileException;
import io.keymint.observe.KeymintMetrics;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.RoleRepresentation;

/**
 * The tenant boundary's role lines, attacked the way issue reports did it, with Keycloak's own
 * answer as the verdict: no role mapping made, the token lacks the role, the admin API refuses it.
 * The operator runs with a wide KEYMINT_GRANTABLE_ROLES on purpose: administrative roles must be
 * refused whatever the patterns say.
 */
@ExtendWith(KeycloakExtension.class)
class RoleBoundaryIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    // the widest settings on purpose: administrative roles and foreign clients must be refused whatever they say
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher,*/*,realm-management/*",
        "KEYMINT_CLIENT_ID_PATTERN", "*"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("rb");
  }

  /** Issue 8, attack 1, step by step: create without spec, rename onto realm-management, lend it to an audience token. */
  @Test
  void anApplicationRenamedOntoRealmManagementLendsNoAdminRoleToAnAudienceToken() {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("innocent");
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setLabels(Map.of("group", "evil"));
    keymint.create(app); // no spec: provisioned as "<namespace>-innocent"
    awaitReason(ClientApplication.class, "innocent", "True", "Provisioned");

    keymint.edit(ClientApplication.class, namespace, "innocent", a -> { // the mock applies no CEL rule: as an old CRD would
      a.setSpec(new ClientApplicationSpec());
      a.getSpec().clientId = "realm-management";
      a.getSpec().roles = List.of("manage-users", "view-realm");
    });
    ClientApplication renamed = awaitReason(ClientApplication.class, "innocent", "False", "InvalidSpec");
    assertThat(renamed.getStatus().condition(Condition.READY).message).contains("cannot change after creation");
    assertThat(renamed.getStatus().clientId).as("status still names only the verified client").isEqualTo(namespace + ".innocent");

    keymint.create(audienceToken("grab", "evil", List.of("manage-users", "view-realm")));
    AppToken token = awaitReason(AppToken.class, "grab", "True", "TokenIssued");
    assertThat(token.getStatus().matchedApplications).as("a stalled application is no audience").isNullOrEmpty();

    assertThat(realm.serviceAccountClientRoles(namespace + ".grab_token", "realm-management")).isEmpty();
    String accessToken = keymint.secretData(namespace, "grab-token").get("access_token");
    assertThat(realm.adminApiStatus(accessToken)).as("GET /admin/realms/<realm>/users with the issued token").isEqualTo(403);
  }

  @Test
  void anApplicationNamingSomeoneElsesClientStallsAndNamesNoClient() {
    createApplication("squat", spec -> {
      spec.clientId = "realm-management";
      spec.roles = List.of("manage-users");
    });
    ClientApplication stalled = awaitReason(ClientApplication.class, "squat", "False", "ClientOwnedElsewhere");
    assertThat(stalled.getStatus().clientId).isNull();
    assertThat(stalled.getStatus().clientUuid).isNull();
    assertThat(realm.admin().clients().get(realm.findClient("realm-management").getId()).roles().list())
        .extracting(RoleRepresentation::getName).doesNotContain("keymint"); // untouched
  }

  @Test
  void anApplicationRenamedAfterCreationKeepsItsClient() {
    createApplication("stable", spec -> spec.clientId = namespace + ".first");
    awaitReason(ClientApplication.class, "stable", "True", "Provisioned");
    keymint.edit(ClientApplication.class, namespace, "stable", a -> a.getSpec().clientId = namespace + ".second");
    ClientApplication renamed = awaitReason(ClientApplication.class, "stable", "False", "InvalidSpec");
    assertThat(renamed.getStatus().clientId).isEqualTo(namespace + ".first");
    assertThat(realm.countClients(namespace + ".second")).isZero();
    assertThat(realm.countClients(namespace + ".first")).isEqualTo(1);
  }

  /** Each path that maps roles, asked for a role of realm-management that has no composites. */
  @Test
  void aPlainRealmManagementRoleIsRefusedOnEveryPathWhateverThePatterns() {
    RoleRepresentation viewRealm = realm.admin().clients().get(realm.findClient("realm-management").getId())
        .roles().get("view-realm").toRepresentation();
    assertThat(viewRealm.isComposite()).as("the attack uses a role without composites").isFalse();

    createApplication("sa", spec -> {
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.clientRoles = List.of(new ClientApplicationSpec.ClientRoles("realm-management", List.of("view-realm")));
    });
    awaitReason(ClientApplication.class, "sa", "False", "RoleNotAllowed");
    assertThat(realm.countClients(namespace + ".sa")).isZero();

    try (KeycloakGateway gateway = gatewayGrantingEverything()) {
      // audience: a grant onto realm-management, as if an application had named it
      assertThatThrownBy(() -> gateway.ensureClient(audienceClient("aud", "realm-management", "view-realm", "some-uid")))
          .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("RoleNotAllowed"));
      // a service account's client roles, past every pattern
      assertThatThrownBy(() -> gateway.ensureClient(serviceAccountClient("direct", "realm-management", "view-realm")))
          .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("RoleNotAllowed"));
    }
    assertThat(realm.countClients(namespace + ".aud")).as("nothing is created when a grant is refused").isZero();
    assertThat(realm.countClients(namespace + ".direct")).isZero();
  }

  @Test
  void audienceGrantsLandOnlyOnClientsCarryingTheMatchedApplicationsMark() {
    String handMade = "hand-made-" + UUID.randomUUID().toString().substring(0, 6);
    realm.createClientWithRoles(handMade, "read");
    try (KeycloakGateway gateway = gatewayGrantingEverything()) {
      assertThatThrownBy(() -> gateway.ensureClient(audienceClient("foreign", handMade, "read", "uid-of-some-app")))
          .isInstanceOfSatisfying(ReconcileException.class, e -> {
            assertThat(e.reason()).isEqualTo("RoleNotAllowed");
            assertThat(e.getMessage()).contains("was not created by Keymint");
          });
    }
    assertThat(realm.countClients(namespace + ".foreign")).isZero();
  }

  @Test
  void aCompositeHidingAnAdminRoleThreeLevelsDownIsRefused() {
    String outer = "outer-" + UUID.randomUUID().toString().substring(0, 6);
    realm.createClientWithRoles(outer, "use", "middle", "inner");
    realm.addCompositeToClientRole(outer, "use", outer, "middle");
    realm.addCompositeToClientRole(outer, "middle", outer, "inner");
    realm.addCompositeToClientRole(outer, "inner", "realm-management", "view-users");
    try (KeycloakGateway gateway = gatewayGrantingEverything()) {
      assertThatThrownBy(() -> gateway.ensureClient(serviceAccountClient("deep", outer, "use")))
          .isInstanceOfSatisfying(ReconcileException.class, e -> {
            assertThat(e.reason()).isEqualTo("RoleNotAllowed");
            assertThat(e.getMessage()).contains("view-users");
          });
    }
    assertThat(realm.countClients(namespace + ".deep")).isZero();
  }

  /** Attack 2's second half: a realm administrator's token through a tenant's client carries none of the admin's roles. */
  @Test
  void aUserTokenThroughAKeymintClientCarriesOnlyTheDeclaredRoles() {
    String admin = realm.createRealmAdmin("realm-admin-" + UUID.randomUUID().toString().substring(0, 6));

    createApplication("login", spec -> {
      spec.type = ClientApplicationSpec.Type.Public;
      spec.flows = new ClientApplicationSpec.Flows();
      spec.flows.directAccessGrants = true;
      spec.roles = List.of("read");
    });
    awaitReason(ClientApplication.class, "login", "True", "Provisioned");
    assertThat(realm.findClient(namespace + ".login").isFullScopeAllowed()).isFalse();

    var login = realm.password(namespace + ".login", null, admin, TestRealm.passwordOf(admin), null);
    assertThat(login.status()).isEqualTo(200);
    KeymintFixture.SECRETS_SEEN.add(login.accessToken());
    assertThat(login.clientRoles()).doesNotContainKey("realm-management");
    assertThat(realm.adminApiStatus(login.accessToken())).isEqualTo(403);
  }

  // --- helpers -------------------------------------------------------------------------------

  private KeycloakGateway gatewayGrantingEverything() {
    return new KeycloakGateway(keymint.config().keycloak(), new RolePolicy(List.of("*", "*/*")), new KeymintMetrics());
  }

  private DesiredClient audienceClient(String name, String targetClient, String role, String requiredOwnerUid) {
    return client(name, new TreeMap<>(Map.of(targetClient, new TreeSet<>(List.of(role)))),
        new TreeMap<>(Map.of(targetClient, requiredOwnerUid)));
  }

  private DesiredClient serviceAccountClient(String name, String targetClient, String role) {
    return client(name, new TreeMap<>(Map.of(targetClient, new TreeSet<>(List.of(role)))), new TreeMap<>());
  }

  private DesiredClient client(String name, TreeMap<String, SortedSet<String>> grants, TreeMap<String, String> owners) {
    return new DesiredClient(realm.name(), namespace + "-" + name, null, false, false, false, List.of(), List.of(), null,
        new TreeSet<>(), new TreeSet<>(), grants, null, null,
        new OwnerMark(UUID.randomUUID().toString(), "AppToken", namespace, name), owners);
  }

  private void createApplication(String name, Consumer<ClientApplicationSpec> edit) {
    keymint.createApplication(namespace, name, edit);
  }

  private AppToken audienceToken(String name, String group, List<String> roles) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new AppTokenSpec());
    token.getSpec().audience = new AppTokenSpec.Audience();
    token.getSpec().audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", group).build();
    token.getSpec().audience.roles = roles;
    return token;
  }

  private <T extends io.fabric8.kubernetes.client.CustomResource<?, ? extends io.keymint.api.KeymintStatus>> T awaitReason(
      Class<T> type, String name, String readyStatus, String reason) {
    return keymint.awaitReady(type, namespace, name, readyStatus, reason);
  }
}
