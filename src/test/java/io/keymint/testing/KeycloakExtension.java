package io.keymint.testing;

import jakarta.ws.rs.core.Response;
import io.keymint.keycloak.KeycloakGateway;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

/**
 * JUnit 5 extension for integration tests against the {@linkplain KeycloakServer#shared() shared
 * Keycloak server}: each test class gets a fresh {@link TestRealm} (injectable into constructors,
 * {@code @BeforeAll} and test methods) holding the operator's least-privileged admin client. The
 * realm is deleted after the class; the server stops when the whole test run ends.
 *
 * <pre>{@code
 * @ExtendWith(KeycloakExtension.class)
 * class SomethingIT {
 *   @Test void works(TestRealm realm) { ... }
 * }
 * }</pre>
 */
public final class KeycloakExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  /**
   * {@code realm-management} client roles given to the {@code keymint-admin} service account: the
   * ones the README tells users to grant, and no more ({@code manage-realm} is not among them).
   */
  public static final List<String> KEYMINT_ADMIN_ROLES = KeycloakGateway.REQUIRED_ADMIN_ROLES;

  /**
   * Client attribute that lets {@code keymint-admin} introspect any token of its realm, so that
   * {@link TestRealm#introspect} works as a test oracle: since Keycloak 26.6.2 the introspecting
   * client must otherwise be in the token's {@code aud}. The operator itself never introspects.
   */
  static final String INTROSPECT_ANY_TOKEN = "allow.token.introspection.without.audience.check";

  private static final Namespace NAMESPACE = Namespace.create(KeycloakExtension.class);
  private static final String SERVER_KEY = "server";
  private static final String REALM_KEY = "realm";

  @Override
  public void beforeAll(ExtensionContext context) {
    realm(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // remove() only sees this class's store, so a @Nested class leaves its outer realm alone
    TestRealm realm = context.getStore(NAMESPACE).remove(REALM_KEY, TestRealm.class);
    if (realm != null) {
      try {
        realm.admin().remove();
      } catch (RuntimeException e) {
        // best effort: a leftover realm does not disturb other classes
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestRealm.class;
  }

  @Override
  public TestRealm resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return realm(context);
  }

  /**
   * The realm visible from this context (its own or an enclosing class's), created in this context
   * if there is none yet: with {@code PER_CLASS} lifecycle, constructors are resolved before
   * {@code beforeAll}.
   */
  private static synchronized TestRealm realm(ExtensionContext context) {
    Store store = context.getStore(NAMESPACE);
    TestRealm realm = store.get(REALM_KEY, TestRealm.class);
    if (realm == null) {
      realm = createRealm(server(context), context.getRequiredTestClass());
      store.put(REALM_KEY, realm);
    }
    return realm;
  }

  /** Starts the shared server and registers it to stop when the whole test run ends. */
  private static KeycloakServer server(ExtensionContext context) {
    KeycloakServer server = KeycloakServer.shared();
    context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(SERVER_KEY, key -> (Store.CloseableResource) server::stop);
    return server;
  }

  /** A fresh realm with the operator's least-privilege admin client; also used by the benchmark. */
  public static TestRealm createRealm(KeycloakServer server, Class<?> testClass) {
    return createRealm(server,
        testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
            + "-" + UUID.randomUUID().toString().substring(0, 6));
  }

  /** A fresh realm of exactly this name (which must not exist) with the operator's admin client. */
  public static TestRealm createRealm(KeycloakServer server, String name) {
    RealmRepresentation representation = new RealmRepresentation();
    representation.setRealm(name);
    representation.setEnabled(true);
    representation.setSslRequired("none");
    Keycloak master = server.masterAdmin();
    master.realms().create(representation);
    RealmResource realm = master.realm(name);
    String secret = TestRealm.randomSecret();
    try {
      createAdminClient(realm, secret);
    } catch (RuntimeException e) {
      realm.remove();
      throw e;
    }
    return new TestRealm(name, server.baseUrl(), secret, realm);
  }

  /**
   * The operator's client: confidential, service account only, {@link #KEYMINT_ADMIN_ROLES}, and
   * allowed to {@linkplain #INTROSPECT_ANY_TOKEN introspect any token}.
   */
  private static void createAdminClient(RealmResource realm, String secret) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(TestRealm.ADMIN_CLIENT_ID);
    client.setEnabled(true);
    client.setPublicClient(false);
    client.setClientAuthenticatorType("client-secret");
    client.setSecret(secret);
    client.setServiceAccountsEnabled(true);
    client.setStandardFlowEnabled(false);
    client.setImplicitFlowEnabled(false);
    client.setDirectAccessGrantsEnabled(false);
    client.setAttributes(Map.of(INTROSPECT_ANY_TOKEN, "true"));
    String id;
    try (Response response = realm.clients().create(client)) {
      id = CreatedResponseUtil.getCreatedId(response);
    }
    String serviceAccountId = realm.clients().get(id).getServiceAccountUser().getId();
    String realmManagementId = realm.clients().findByClientId("realm-management").get(0).getId();
    ClientResource realmManagement = realm.clients().get(realmManagementId);
    List<RoleRepresentation> roles =
        KEYMINT_ADMIN_ROLES.stream()
            .map(role -> realmManagement.roles().get(role).toRepresentation())
            .toList();
    realm.users().get(serviceAccountId).roles().clientLevel(realmManagementId).add(roles);
  }
}
