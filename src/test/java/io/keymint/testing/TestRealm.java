package io.keymint.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * A realm created for one test class by {@link KeycloakExtension}, with the least-privileged
 * {@value #ADMIN_CLIENT_ID} client the operator uses, and helpers that talk to its OIDC endpoints
 * the way a client application would.
 */
public final class TestRealm {

  /** Client id of the operator's confidential admin client in every test realm. */
  public static final String ADMIN_CLIENT_ID = "keymint-admin";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final String baseUrl;
  private final String adminClientSecret;
  private final RealmResource admin;

  TestRealm(String name, String baseUrl, String adminClientSecret, RealmResource admin) {
    this.name = name;
    this.baseUrl = baseUrl;
    this.adminClientSecret = adminClientSecret;
    this.admin = admin;
  }

  /** The realm's name: the test class's simple name, lowercased, plus a random suffix. */
  public String name() {
    return name;
  }

  /** Keycloak's base URL, {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return baseUrl;
  }

  /**
   * {@code <baseUrl>/realms/<name>}: the {@code iss} of tokens obtained at {@link #baseUrl()}. With
   * no fixed hostname Keycloak derives {@code iss} from the request, so tokens fetched through a
   * {@link TcpProxy} carry the proxy's port.
   */
  public String issuerUrl() {
    return baseUrl + "/realms/" + name;
  }

  /** The realm's OIDC token endpoint. */
  public String tokenUrl() {
    return issuerUrl() + "/protocol/openid-connect/token";
  }

  /** {@value #ADMIN_CLIENT_ID}, the operator's client. */
  public String adminClientId() {
    return ADMIN_CLIENT_ID;
  }

  /** The secret of {@link #adminClientId()}, random per realm. */
  public String adminClientSecret() {
    return adminClientSecret;
  }

  /** This realm seen through the master realm's admin (full rights, for setup and checks). */
  public RealmResource admin() {
    return admin;
  }

  /** Client credentials grant, authenticating with HTTP Basic. */
  public TokenResult clientCredentials(String clientId, String clientSecret) {
    return postToken(clientId, clientSecret, form("grant_type", "client_credentials"));
  }

  /** Resource owner password grant; a null secret means a public client. Null scope is omitted. */
  public TokenResult password(
      String clientId, String clientSecretOrNull, String username, String password, String scope) {
    Map<String, String> form =
        form("grant_type", "password", "username", username, "password", password);
    if (scope != null) {
      form.put("scope", scope);
    }
    return postToken(clientId, clientSecretOrNull, form);
  }

  /** Refresh token grant; a null secret means a public client. */
  public TokenResult refresh(String clientId, String clientSecretOrNull, String refreshToken) {
    return postToken(
        clientId,
        clientSecretOrNull,
        form("grant_type", "refresh_token", "refresh_token", refreshToken));
  }

  /** HTTP status of the userinfo endpoint called with the given bearer token. */
  public int userinfoStatus(String accessToken) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuerUrl() + "/protocol/openid-connect/userinfo"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + accessToken)
            .GET()
            .build();
    return send(request).statusCode();
  }

  /**
   * Token introspection (RFC 7662) by the given confidential client; the parsed JSON answer. Since
   * Keycloak 26.6.2 a token is only {@code active} for a client in its {@code aud}, unless that
   * client may introspect any token, as {@link #adminClientId()} may.
   */
  public Map<String, Object> introspect(String clientId, String secret, String token) {
    HttpRequest request =
        formPost(tokenUrl() + "/introspect", clientId, secret, form("token", token));
    return parse(send(request).body());
  }

  /** The client with this client id, or null. */
  public ClientRepresentation findClient(String clientId) {
    List<ClientRepresentation> found = admin.clients().findByClientId(clientId);
    return found.isEmpty() ? null : found.get(0);
  }

  /** How many clients have this client id (0 or 1 in a healthy realm). */
  public int countClients(String clientId) {
    return admin.clients().findByClientId(clientId).size();
  }

  /** A user with a password ({@link #passwordOf}) and a complete profile, so password grants need no required action. */
  public String createUser(String username) {
    if (admin.users().search(username, true).isEmpty()) {
      UserRepresentation user = new UserRepresentation();
      user.setUsername(username);
      user.setEnabled(true);
      user.setEmail(username + "@example.com");
      user.setEmailVerified(true);
      user.setFirstName(username);
      user.setLastName("Tester");
      CredentialRepresentation credential = new CredentialRepresentation();
      credential.setType(CredentialRepresentation.PASSWORD);
      credential.setValue(passwordOf(username));
      credential.setTemporary(false);
      user.setCredentials(List.of(credential));
      admin.users().create(user).close();
    }
    return username;
  }

  /** The password {@link #createUser} gives a user; remembered for the log leak check. */
  public static String passwordOf(String username) {
    String password = "pw-" + username + "-" + Integer.toHexString(username.hashCode()) + "-Secret!";
    KeymintFixture.SECRETS_SEEN.add(password);
    return password;
  }

  /**
   * A user ({@link #createUser}) holding the {@code realm-management} role {@code realm-admin}: the
   * realm's administrator, whose token must never carry that power through a tenant's client.
   */
  public String createRealmAdmin(String username) {
    createUser(username);
    String userId = admin.users().search(username, true).get(0).getId();
    String realmManagement = findClient("realm-management").getId();
    admin.users().get(userId).roles().clientLevel(realmManagement)
        .add(List.of(admin.clients().get(realmManagement).roles().get("realm-admin").toRepresentation()));
    return username;
  }

  /** The names of {@code roleClient}'s roles the service account of {@code clientId} holds, composites expanded. */
  public List<String> serviceAccountClientRoles(String clientId, String roleClient) {
    String userId = client(clientId).getServiceAccountUser().getId();
    return admin.users().get(userId).roles().clientLevel(findClient(roleClient).getId()).listEffective()
        .stream().map(RoleRepresentation::getName).toList();
  }

  /** What Keycloak's admin API answers to {@code GET /admin/realms/<realm>/users} with this bearer token. */
  public int adminApiStatus(String accessToken) {
    return adminApiStatus(accessToken, "GET", "/users", null);
  }

  /**
   * The HTTP status Keycloak's admin API answers to a request on this realm with this bearer token:
   * {@code path} is below {@code /admin/realms/<realm>}, {@code json} the body or null.
   */
  public int adminApiStatus(String accessToken, String method, String path, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/admin/realms/" + name + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + accessToken);
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    return send(request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build()).statusCode();
  }

  /** Creates a group holding this realm role and makes it a default group: every new user joins it. */
  public String createDefaultGroup(String groupName, String realmRole) {
    GroupRepresentation group = new GroupRepresentation();
    group.setName(groupName);
    String id;
    try (Response response = admin.groups().add(group)) {
      id = CreatedResponseUtil.getCreatedId(response);
    }
    admin.groups().group(id).roles().realmLevel().add(List.of(admin.roles().get(realmRole).toRepresentation()));
    admin.addDefaultGroup(id);
    return id;
  }

  /** Gives {@value #ADMIN_CLIENT_ID} these {@code realm-management} roles on top of the README's. */
  public void grantAdminRoles(String... roles) {
    adminRoles(roles).add(realmManagementRoles(roles));
  }

  /** Takes these {@code realm-management} roles from {@value #ADMIN_CLIENT_ID} again. */
  public void revokeAdminRoles(String... roles) {
    adminRoles(roles).remove(realmManagementRoles(roles));
  }

  private org.keycloak.admin.client.resource.RoleScopeResource adminRoles(String... roles) {
    String serviceAccount = client(ADMIN_CLIENT_ID).getServiceAccountUser().getId();
    return admin.users().get(serviceAccount).roles().clientLevel(findClient("realm-management").getId());
  }

  private List<RoleRepresentation> realmManagementRoles(String... roles) {
    ClientResource realmManagement = client("realm-management");
    return java.util.Arrays.stream(roles).map(role -> realmManagement.roles().get(role).toRepresentation()).toList();
  }

  /** The realm's identity provider of this alias, or null. */
  public org.keycloak.representations.idm.IdentityProviderRepresentation identityProvider(String alias) {
    return admin.identityProviders().findAll().stream().filter(p -> alias.equals(p.getAlias())).findFirst().orElse(null);
  }

  /**
   * Makes the realm authenticate clients as a realm created before Keycloak 26.6 does: its client
   * authentication flow becomes a copy of {@code clients} without the "Signed JWT - Federated" step
   * (the built-in flow's steps cannot be removed); returns the copy's alias.
   */
  public String useClientFlowFromBeforeKeycloak26_6() {
    String copy = "clients-before-26-6";
    admin.flows().copy("clients", Map.of("newName", copy)).close();
    admin.flows().getExecutions(copy).stream().filter(e -> "federated-jwt".equals(e.getProviderId()))
        .forEach(e -> admin.flows().removeExecution(e.getId()));
    useClientFlow(copy);
    return copy;
  }

  /** What a realm administrator does to such a flow: adds "Signed JWT - Federated" as an alternative step. */
  public void addFederatedStep(String flow) {
    admin.flows().addExecution(flow, Map.of("provider", "federated-jwt"));
    admin.flows().getExecutions(flow).stream().filter(e -> "federated-jwt".equals(e.getProviderId())).forEach(e -> {
      e.setRequirement("ALTERNATIVE");
      admin.flows().updateExecutions(flow, e);
    });
  }

  /** Makes {@code flow} the realm's client authentication flow. */
  public void useClientFlow(String flow) {
    org.keycloak.representations.idm.RealmRepresentation realm = admin.toRepresentation();
    realm.setClientAuthenticationFlow(flow);
    admin.update(realm);
  }

  /** Creates a plain realm role. */
  public void createRealmRole(String roleName) {
    admin.roles().create(new RoleRepresentation(roleName, null, false));
  }

  /** Makes client role {@code clientId/role} include {@code compositeClientId/compositeRole}. */
  public void addCompositeToClientRole(
      String clientId, String role, String compositeClientId, String compositeRole) {
    RoleRepresentation included =
        client(compositeClientId).roles().get(compositeRole).toRepresentation();
    client(clientId).roles().get(role).addComposites(List.of(included));
  }

  /** Creates a confidential client with Keycloak's defaults and these client roles defined. */
  public void createClientWithRoles(String clientId, String... roles) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    client.setEnabled(true);
    client.setPublicClient(false);
    String id;
    try (Response response = admin.clients().create(client)) {
      id = CreatedResponseUtil.getCreatedId(response);
    }
    ClientResource resource = admin.clients().get(id);
    for (String role : roles) {
      resource.roles().create(new RoleRepresentation(role, null, false));
    }
  }

  @Override
  public String toString() {
    return "TestRealm[" + issuerUrl() + "]";
  }

  private ClientResource client(String clientId) {
    ClientRepresentation client = findClient(clientId);
    if (client == null) {
      throw new IllegalArgumentException("No client " + clientId + " in realm " + name);
    }
    return admin.clients().get(client.getId());
  }

  private TokenResult postToken(String clientId, String secretOrNull, Map<String, String> form) {
    HttpResponse<String> response = send(formPost(tokenUrl(), clientId, secretOrNull, form));
    return new TokenResult(response.statusCode(), parse(response.body()));
  }

  /** A form POST; with a secret the client authenticates by HTTP Basic, else sends client_id. */
  private static HttpRequest formPost(
      String url, String clientId, String secretOrNull, Map<String, String> form) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json");
    if (secretOrNull != null) {
      String credentials = urlEncode(clientId) + ":" + urlEncode(secretOrNull);
      builder.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    } else {
      form.put("client_id", clientId);
    }
    String body =
        form.entrySet().stream()
            .map(e -> urlEncode(e.getKey()) + "=" + urlEncode(e.getValue()))
            .collect(Collectors.joining("&"));
    return builder.POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static Map<String, String> form(String... keysAndValues) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      form.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return form;
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted: " + request.uri(), e);
    }
  }

  /** JSON object body as a map; a body that is not a JSON object comes back as {@code raw}. */
  private static Map<String, Object> parse(String body) {
    try {
      return JSON.readValue(body, MAP);
    } catch (IOException e) {
      return Map.of("raw", body);
    }
  }

  private static String urlEncode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static String randomSecret() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** Status and parsed JSON body of a token endpoint answer; {@link #toString} hides the tokens. */
  public record TokenResult(int status, Map<String, Object> body) {

    private static final List<String> TOKEN_FIELDS =
        List.of("access_token", "refresh_token", "id_token");

    /** The access token, or null (e.g. on an error answer). */
    public String accessToken() {
      return (String) body.get("access_token");
    }

    /** The refresh token, or null. */
    public String refreshToken() {
      return (String) body.get("refresh_token");
    }

    /** The realm roles of the access token ({@code realm_access.roles}); empty when it has none. */
    public List<String> realmRoles() {
      return roles(claims().get("realm_access"));
    }

    /** The client roles of the access token by client ({@code resource_access}); empty when it has none. */
    public Map<String, List<String>> clientRoles() {
      Map<String, List<String>> roles = new LinkedHashMap<>();
      if (claims().get("resource_access") instanceof Map<?, ?> clients) {
        clients.forEach((client, access) -> roles.put((String) client, roles(access)));
      }
      return roles;
    }

    private static List<String> roles(Object access) {
      return access instanceof Map<?, ?> map && map.get("roles") instanceof List<?> list
          ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /** The access token's JWT payload, decoded without checking the signature. */
    public Map<String, Object> claims() {
      String token = accessToken();
      if (token == null) {
        throw new IllegalStateException("No access token in " + this);
      }
      String[] parts = token.split("\\.");
      if (parts.length < 2) {
        throw new IllegalStateException("Access token is not a JWT");
      }
      try {
        return JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), MAP);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot parse the access token's payload", e);
      }
    }

    @Override
    public String toString() {
      Map<String, Object> shown = new LinkedHashMap<>(body);
      TOKEN_FIELDS.forEach(field -> shown.computeIfPresent(field, (k, v) -> "***"));
      return "TokenResult[status=" + status + ", body=" + shown + "]";
    }
  }
}
