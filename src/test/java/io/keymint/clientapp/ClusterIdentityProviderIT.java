package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.api.Condition;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KubernetesIssuer;
import io.keymint.testing.SignedAssertions;
import io.keymint.testing.TestRealm;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.IdentityProviderRepresentation;

/**
 * The realm's side of ServiceAccount applications against a real Keycloak: the identity provider
 * for the cluster (Keymint's own, a realm administrator's, someone else's), the realm-management
 * roles each case needs, and realms created before Keycloak 26.6. Each test runs its own Keymint
 * with its own provider alias and issuer ({@code KEYMINT_KUBERNETES_ISSUER} set, no discovery).
 */
@ExtendWith(KeycloakExtension.class)
class ClusterIdentityProviderIT {

  private static final List<String> PROVIDER_ROLES = List.of("view-identity-providers", "manage-identity-providers");
  private static TestRealm realm;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
  }

  @AfterAll
  static void checkLogs() {
    KeymintFixture.stopAndCheckLogs(null);
  }

  @Test
  void aProviderOfThatAliasKeymintDidNotCreateIsLeftUntouched() {
    withAdminRoles("manage-identity-providers");
    IdentityProviderRepresentation theirs = provider("cluster-a", "https://other-cluster.example");
    theirs.getConfig().put("allowedClockSkew", "7");
    createProvider(theirs);
    IdentityProviderRepresentation before = realm.identityProvider("cluster-a");
    run("cluster-a", (keymint, namespace) -> {
      keymint.createApplication(namespace, "scorer", bound("scorer"));
      ClientApplication app = keymint.awaitReady(ClientApplication.class, namespace, "scorer", "False",
          "IdentityProviderConflict");
      assertThat(app.getStatus().condition(Condition.READY).message).contains("'cluster-a'", "trusts another issuer",
          "leaves this one untouched");
      assertThat(realm.findClient(namespace + ".scorer")).as("nothing created").isNull();
    });
    IdentityProviderRepresentation after = realm.identityProvider("cluster-a");
    assertThat(after.getConfig()).isEqualTo(before.getConfig()).doesNotContainKey("keymint.io/owner");
    assertThat(after.isEnabled()).isEqualTo(before.isEnabled());
    assertThat(after.getProviderId()).isEqualTo(before.getProviderId());
  }

  @Test
  void anAdministratorsProviderForTheClusterIsUsedAsItIsWithOnlyTheRightToViewIt() {
    withAdminRoles("view-identity-providers");
    try (KubernetesIssuer cluster = KubernetesIssuer.start()) {
      createProvider(provider("cluster-b", cluster.issuer()));
      IdentityProviderRepresentation before = realm.identityProvider("cluster-b");
      run("cluster-b", cluster, (keymint, namespace) -> {
        keymint.createApplication(namespace, "scorer", bound("scorer"));
        keymint.awaitProvisioned(namespace, "scorer");
        TestRealm.TokenResult token = SignedAssertions.clientCredentials(realm.tokenUrl(),
            cluster.token(namespace, "scorer", realm.issuerUrl(), Duration.ofMinutes(10)));
        assertThat(token.status()).as("%s", token).isEqualTo(200);
        assertThat(token.claims().get("azp")).isEqualTo(namespace + ".scorer");
      });
      assertThat(realm.identityProvider("cluster-b").getConfig()).isEqualTo(before.getConfig());
    }
  }

  @Test
  void withoutTheRightToCreateTheProviderTheConditionNamesTheRoleAndNothingIsCreated() {
    run("cluster-c", (keymint, namespace) -> {
      withAdminRoles();
      keymint.createApplication(namespace, "scorer", bound("scorer"));
      ClientApplication app = keymint.awaitReady(ClientApplication.class, namespace, "scorer", "False", "Forbidden");
      assertThat(app.getStatus().condition(Condition.READY).message).contains("view-identity-providers");
      assertThat(realm.findClient(namespace + ".scorer")).isNull();

      withAdminRoles("view-identity-providers");
      keymint.edit(ClientApplication.class, namespace, "scorer", a -> a.getSpec().description = "again");
      keymint.awaitStatus(ClientApplication.class, namespace, "scorer", ClientApplication::getStatus,
          s -> s.condition(Condition.READY) != null && s.condition(Condition.READY).message.contains("manage-identity-providers"));
      assertThat(realm.identityProvider("cluster-c")).isNull();
      assertThat(realm.findClient(namespace + ".scorer")).isNull();

      withAdminRoles("manage-identity-providers");
      keymint.edit(ClientApplication.class, namespace, "scorer", a -> a.getSpec().description = "and again");
      keymint.awaitProvisioned(namespace, "scorer");
      assertThat(realm.identityProvider("cluster-c").getConfig()).containsEntry("keymint.io/owner", "keymint");
    });
  }

  @Test
  void aRealmFromBeforeKeycloak26_6IsReportedUntilItsFlowHasTheFederatedStep() {
    withAdminRoles("manage-identity-providers");
    String flow = realm.useClientFlowFromBeforeKeycloak26_6();
    try (KubernetesIssuer cluster = KubernetesIssuer.start()) {
      run("cluster-d", cluster, (keymint, namespace) -> {
        keymint.createApplication(namespace, "scorer", bound("scorer"));
        ClientApplication app = keymint.awaitReady(ClientApplication.class, namespace, "scorer", "False",
            "FederatedJwtNotEnabled");
        assertThat(app.getStatus().condition(Condition.READY).message).contains("'" + flow + "'",
            "Signed JWT - Federated", "Keycloak 26.6");
        assertThat(realm.findClient(namespace + ".scorer")).isNull();
        assertThat(realm.identityProvider("cluster-d")).isNull();

        realm.addFederatedStep(flow); // what the message tells a realm administrator to do
        keymint.edit(ClientApplication.class, namespace, "scorer", a -> a.getSpec().description = "fixed");
        keymint.awaitProvisioned(namespace, "scorer");
        assertThat(SignedAssertions.clientCredentials(realm.tokenUrl(),
            cluster.token(namespace, "scorer", realm.issuerUrl(), Duration.ofMinutes(10))).status()).isEqualTo(200);
      });
    } finally {
      realm.useClientFlow("clients");
    }
  }

  /** Keymint with this provider alias and a cluster stand-in of its own; one namespace for the test. */
  private static void run(String alias, BiConsumer<KeymintFixture, String> test) {
    try (KubernetesIssuer cluster = KubernetesIssuer.start()) {
      run(alias, cluster, test);
    }
  }

  private static void run(String alias, KubernetesIssuer cluster, BiConsumer<KeymintFixture, String> test) {
    try (KeymintFixture keymint = KeymintFixture.start(realm, Map.of("KEYMINT_KUBERNETES_IDP_ALIAS", alias,
        "KEYMINT_KUBERNETES_ISSUER", cluster.issuer()))) {
      keymint.kube().serveServiceAccountTokens(cluster);
      test.accept(keymint, keymint.newNamespace("idp"));
    }
  }

  /** Keymint's admin client with the README's roles and, of the identity provider roles, exactly these. */
  private static void withAdminRoles(String... providerRoles) {
    realm.revokeAdminRoles(PROVIDER_ROLES.toArray(String[]::new));
    if (providerRoles.length > 0) {
      realm.grantAdminRoles(providerRoles);
    }
  }

  private static java.util.function.Consumer<ClientApplicationSpec> bound(String serviceAccount) {
    return spec -> {
      spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.ServiceAccount;
      spec.serviceAccountName = serviceAccount;
    };
  }

  /** A kubernetes identity provider as a realm administrator creates it (no Keymint mark). */
  private static IdentityProviderRepresentation provider(String alias, String issuer) {
    IdentityProviderRepresentation provider = new IdentityProviderRepresentation();
    provider.setAlias(alias);
    provider.setProviderId("kubernetes");
    provider.setEnabled(true);
    provider.setConfig(new HashMap<>(Map.of("issuer", issuer)));
    return provider;
  }

  private static void createProvider(IdentityProviderRepresentation provider) {
    try (Response response = realm.admin().identityProviders().create(provider)) {
      assertThat(response.getStatus()).isEqualTo(201);
    }
  }
}
