package io.keymint.security;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.keymint.api.Condition;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.OwnerMark;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import io.keymint.testing.TestRealm.TokenResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

/**
 * Keymint with the least privilege the README asks for: its admin client holds exactly {@code
 * manage-clients}, {@code manage-users} and {@code view-realm}, no {@code manage-realm}. Realm and
 * client roles still reach service-account-only clients (full scope, nothing but the declared roles),
 * a realm administrator's login through a login-capable client carries none of the admin's roles,
 * and the one thing that needs {@code manage-realm} (realm roles on such a client) says so.
 */
@ExtendWith(KeycloakExtension.class)
class LeastPrivilegeIT {

  /** Client attributes of Keycloak 26.7's other grants through which a user could get a token. */
  private static final List<String> OTHER_USER_GRANTS = List.of("oauth2.device.authorization.grant.enabled",
      "oidc.ciba.grant.enabled", "standard.token.exchange.enabled", "oauth2.jwt.authorization.grant.enabled");

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private static String realmAdmin;
  private static String defaultGroupId;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    realm.createRealmRole("staff");
    defaultGroupId = realm.createDefaultGroup("everyone", "staff"); // every new user joins it, service accounts too
    realm.createClientWithRoles("model-registry", "viewer");
    realmAdmin = realm.createRealmAdmin("realm-admin");
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher,model-registry/*"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("lp");
  }

  @Test
  void keymintsAdminClientHoldsExactlyManageClientsManageUsersAndViewRealm() {
    assertThat(realm.serviceAccountClientRoles(realm.adminClientId(), "realm-management"))
        .containsExactlyInAnyOrder("manage-clients", "manage-users", "view-realm");
  }

  /** The premise of the README's table, asked of Keycloak directly with Keymint's own admin token. */
  @Test
  void withTheThreeRolesKeycloakRefusesOnlyARealmRoleInAClientsScope() {
    String token = realm.clientCredentials(realm.adminClientId(), realm.adminClientSecret()).accessToken();
    KeymintFixture.SECRETS_SEEN.add(token);
    realm.createClientWithRoles("scope-probe");
    String probe = realm.findClient("scope-probe").getId();
    String registry = realm.findClient("model-registry").getId();
    String researcher = json(realm.admin().roles().get("researcher").toRepresentation());
    String viewer = json(realm.admin().clients().get(registry).roles().get("viewer").toRepresentation());
    String user = realm.admin().users().search(realm.createUser("probe-user"), true).get(0).getId();

    assertThat(realm.adminApiStatus(token, "POST", "/clients/" + probe + "/scope-mappings/realm", researcher))
        .as("a realm role into a client's scope").isEqualTo(403);
    assertThat(realm.adminApiStatus(token, "POST", "/clients/" + probe + "/scope-mappings/clients/" + registry, viewer))
        .as("a client role into a client's scope").isEqualTo(204);
    assertThat(realm.adminApiStatus(token, "POST", "/users/" + user + "/role-mappings/realm", researcher))
        .as("a realm role to a user").isEqualTo(204);
    assertThat(realm.adminApiStatus(token, "DELETE", "/users/" + user + "/groups/" + defaultGroupId, null))
        .as("a user out of a group").isEqualTo(204);
  }

  @Test
  void aServiceAccountOnlyClientGetsItsRealmAndClientRolesAndNothingElse() {
    keymint.createApplication(namespace, "worker", spec -> spec.serviceAccount = serviceAccount("researcher", "viewer"));
    Map<String, String> worker = provisioned("worker");

    TokenResult token = realm.clientCredentials(worker.get("client_id"), worker.get("client_secret"));
    assertThat(token.status()).isEqualTo(200);
    assertThat(token.realmRoles()).containsExactly("researcher")
        .doesNotContain("default-roles-" + realm.name(), "offline_access", "uma_authorization", "staff");
    assertThat(token.clientRoles()).containsExactly(entry("model-registry", List.of("viewer")));

    ClientRepresentation client = realm.findClient(worker.get("client_id"));
    assertThat(client.isFullScopeAllowed()).isTrue();
    assertThat(List.of(client.isStandardFlowEnabled(), client.isDirectAccessGrantsEnabled(), client.isImplicitFlowEnabled()))
        .containsOnly(false);
    OTHER_USER_GRANTS.forEach(grant -> assertThat(client.getAttributes()).doesNotContainEntry(grant, "true"));
    assertThat(realm.admin().clients().get(client.getId()).getScopeMappings().realmLevel().listAll())
        .as("no realm role needed in its scope").isEmpty();
    String serviceAccount = realm.admin().clients().get(client.getId()).getServiceAccountUser().getId();
    assertThat(realm.admin().users().get(serviceAccount).groups()).as("the realm's default group was left").isEmpty();

    TokenResult login = realm.password(worker.get("client_id"), worker.get("client_secret"), realmAdmin,
        TestRealm.passwordOf(realmAdmin), null);
    assertThat(login.status()).as("no user gets a token through it").isEqualTo(400);
    assertThat(login.body()).containsEntry("error", "unauthorized_client");
  }

  @Test
  void aRealmAdministratorsLoginThroughALoginCapableClientCarriesNoAdminRole() {
    TokenResult direct = realm.password("admin-cli", null, realmAdmin, TestRealm.passwordOf(realmAdmin), null);
    KeymintFixture.SECRETS_SEEN.add(direct.accessToken());
    assertThat(realm.adminApiStatus(direct.accessToken())).as("the user is an administrator (through admin-cli)")
        .isEqualTo(200);

    keymint.createApplication(namespace, "portal", spec -> {
      spec.flows = directAccessGrants(true);
      spec.serviceAccount = serviceAccount(null, "viewer");
    });
    keymint.createApplication(namespace, "backend", spec -> spec.serviceAccount = serviceAccount("researcher", "viewer"));
    Map<String, String> portal = provisioned("portal");

    assertThat(realm.findClient(portal.get("client_id")).isFullScopeAllowed()).isFalse();
    assertThat(realm.findClient(provisioned("backend").get("client_id")).isFullScopeAllowed()).isTrue();
    assertAdministratorLoginCarriesNoRole(portal);
  }

  @Test
  void aRealmRoleOnALoginCapableClientNeedsManageRealmAndSaysSo() {
    keymint.createApplication(namespace, "hybrid", spec -> {
      spec.flows = directAccessGrants(true);
      spec.serviceAccount = serviceAccount("researcher", null);
    });
    ClientApplication stalled = keymint.awaitReady(ClientApplication.class, namespace, "hybrid", "False", "Forbidden");
    assertThat(stalled.getStatus().condition(Condition.READY).message)
        .contains("[researcher]", KeycloakGateway.REALM_ROLE_GRANTS_ADMIN_ROLE);
    assertThat(realm.admin().clients().findAll()).as("the client created before Keycloak refused the scope")
        .filteredOn(c -> c.getAttributes() != null
            && stalled.getMetadata().getUid().equals(c.getAttributes().get(OwnerMark.UID_ATTRIBUTE)))
        .singleElement().satisfies(client -> assertThat(client.isFullScopeAllowed()).isFalse());

    // nothing else breaks: a neighbour with the same realm role and no login flow is provisioned
    keymint.createApplication(namespace, "neighbour", spec -> spec.serviceAccount = serviceAccount("researcher", null));
    Map<String, String> neighbour = provisioned("neighbour");
    assertThat(realm.clientCredentials(neighbour.get("client_id"), neighbour.get("client_secret")).realmRoles())
        .containsExactly("researcher");

    // and the stalled application recovers once it grants a client role instead
    keymint.edit(ClientApplication.class, namespace, "hybrid", a -> a.getSpec().serviceAccount = serviceAccount(null, "viewer"));
    Map<String, String> hybrid = provisioned("hybrid");
    TokenResult token = realm.clientCredentials(hybrid.get("client_id"), hybrid.get("client_secret"));
    assertThat(token.realmRoles()).isEmpty();
    assertThat(token.clientRoles()).containsExactly(entry("model-registry", List.of("viewer")));
  }

  /** Flows and full scope change in one update, both ways; the service account keeps exactly its roles throughout. */
  @Test
  void aClientTurningALoginFlowOnAndOffSwitchesItsScopeWithIt() {
    keymint.createApplication(namespace, "switch", spec -> spec.serviceAccount = serviceAccount(null, "viewer"));
    Map<String, String> app = provisioned("switch");
    assertThat(realm.findClient(app.get("client_id")).isFullScopeAllowed()).isTrue();

    for (boolean login : List.of(true, false)) {
      keymint.edit(ClientApplication.class, namespace, "switch", a -> a.getSpec().flows = directAccessGrants(login));
      keymint.awaitProvisioned(namespace, "switch");
      ClientRepresentation client = realm.findClient(app.get("client_id"));
      assertThat(client.isDirectAccessGrantsEnabled()).isEqualTo(login);
      assertThat(client.isFullScopeAllowed()).isEqualTo(!login);
      if (login) {
        assertAdministratorLoginCarriesNoRole(app);
      }
      assertServiceAccountToken(app);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The realm administrator's password grant through the application's client: no role, refused by the admin API. */
  private static void assertAdministratorLoginCarriesNoRole(Map<String, String> app) {
    TokenResult login = realm.password(app.get("client_id"), app.get("client_secret"), realmAdmin,
        TestRealm.passwordOf(realmAdmin), null);
    assertThat(login.status()).isEqualTo(200);
    KeymintFixture.SECRETS_SEEN.add(login.accessToken());
    assertThat(login.clientRoles()).doesNotContainKey("realm-management").isEmpty();
    assertThat(login.realmRoles()).isEmpty();
    assertThat(realm.adminApiStatus(login.accessToken())).as("GET /admin/realms/<realm>/users").isEqualTo(403);
  }

  private static void assertServiceAccountToken(Map<String, String> app) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      TokenResult token = realm.clientCredentials(app.get("client_id"), app.get("client_secret"));
      assertThat(token.realmRoles()).isEmpty();
      assertThat(token.clientRoles()).containsExactly(entry("model-registry", List.of("viewer")));
    });
  }

  /** Waits until the application is provisioned; the data of the Secret Keymint wrote for it. */
  private Map<String, String> provisioned(String name) {
    ClientApplication app = keymint.awaitProvisioned(namespace, name);
    return keymint.secretData(namespace, app.getStatus().secretName);
  }

  private static ClientApplicationSpec.ServiceAccount serviceAccount(String realmRole, String registryRole) {
    ClientApplicationSpec.ServiceAccount account = new ClientApplicationSpec.ServiceAccount();
    account.realmRoles = realmRole == null ? List.of() : List.of(realmRole);
    account.clientRoles = registryRole == null ? List.of()
        : List.of(new ClientApplicationSpec.ClientRoles("model-registry", List.of(registryRole)));
    return account;
  }

  private static ClientApplicationSpec.Flows directAccessGrants(boolean on) {
    ClientApplicationSpec.Flows flows = new ClientApplicationSpec.Flows();
    flows.directAccessGrants = on;
    return flows;
  }

  private static String json(RoleRepresentation role) {
    return "[{\"id\":\"" + role.getId() + "\",\"name\":\"" + role.getName() + "\"}]";
  }
}
