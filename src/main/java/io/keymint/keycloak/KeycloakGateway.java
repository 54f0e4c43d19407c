package io.keymint.keycloak;

import io.keymint.api.Reasons;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.ReconcileException;
import io.keymint.observe.KeymintMetrics;
import java.time.Duration;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.JacksonProvider;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.RoleMappingResource;
import org.keycloak.admin.client.resource.RoleScopeResource;
import org.keycloak.admin.client.spi.ResteasyClientClassicProvider;
import org.keycloak.representations.idm.ClientMappingsRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way into the Keycloak admin API: one long-lived admin client for the whole operator.
 * Every failure leaves as a {@link ReconcileException} with a contract reason and a message that
 * names the operation and never a secret.
 */
public final class KeycloakGateway implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KeycloakGateway.class);
  /** The realm-management roles Keymint's admin client needs (README, "Keycloak permissions"). */
  public static final List<String> REQUIRED_ADMIN_ROLES =
      List.of("manage-clients", "manage-users", "view-realm");
  static final String LIFESPAN_ATTRIBUTE = "access.token.lifespan";
  private static final int MAX_COMPOSITE_DEPTH = 10;

  private final String baseUrl;
  private final Client http;
  private final Keycloak keycloak;
  private final AtomicLong adminRequests = new AtomicLong();
  private final KeymintMetrics metrics;
  private static final String STARTED = "keymint.started";

  public KeycloakGateway(OperatorConfig.Keycloak config, KeymintMetrics metrics) {
    this.baseUrl = config.url();
    this.metrics = metrics;
    this.http = ResteasyClientClassicProvider.createClientBuilder()
        .register(JacksonProvider.class, 100)
        .register((ClientRequestFilter) this::count)
        .register((ClientResponseFilter) this::record)
        .connectTimeout(5, TimeUnit.SECONDS)
        .readTimeout(20, TimeUnit.SECONDS)
        .connectionPoolSize(32)
        .build();
    KeycloakBuilder builder = KeycloakBuilder.builder()
        .serverUrl(config.url())
        .realm(config.authRealm())
        .resteasyClient(http);
    if (config.usesClientCredentials()) {
      builder.grantType(OAuth2Constants.CLIENT_CREDENTIALS).clientId(config.clientId()).clientSecret(config.clientSecret());
    } else {
      builder.grantType(OAuth2Constants.PASSWORD).clientId("admin-cli").username(config.username()).password(config.password());
    }
    this.keycloak = builder.build();
  }

  private void count(ClientRequestContext request) {
    request.setProperty(STARTED, System.nanoTime());
    if (request.getUri().getPath().contains("/admin/realms/")) {
      adminRequests.incrementAndGet();
    }
  }

  private void record(ClientRequestContext request, ClientResponseContext response) {
    Object started = request.getProperty(STARTED);
    metrics.identityProviderRequest("keycloak_admin", response.getStatus() < 400,
        started instanceof Long nanos ? Duration.ofNanos(System.nanoTime() - nanos) : null);
  }

  /** Admin API requests made so far (token requests of the admin credential not included). */
  public long adminRequestCount() {
    return adminRequests.get();
  }

  public String issuerUrl(String realm) {
    return baseUrl + "/realms/" + realm;
  }

  public String tokenUrl(String realm) {
    return issuerUrl(realm) + "/protocol/openid-connect/token";
  }

  /**
   * Makes the Keycloak client what {@code desired} says: created with our ownership mark or
   * updated, its roles, its service account's role mappings and its client scopes. Every policy
   * that needs Keycloak's answer (the client's owner, composite roles, roles of another
   * namespace's client) is checked before anything is written.
   *
   * @return Keycloak's id (uuid) of the client
   */
  public String ensureClient(DesiredClient desired) {
    RealmResource realm = realmOf(desired.realm());
    ClientRepresentation existing = findClient(realm, desired.realm(), desired.clientId());
    if (existing != null && !desired.owner().isOn(existing.getAttributes())) {
      throw ReconcileException.permanent(Reasons.CLIENT_OWNED_ELSEWHERE, "client '" + desired.clientId()
          + "' already exists in realm '" + desired.realm() + "' and was not created by this " + desired.owner().kind()
          + "; Keymint leaves it untouched (choose another spec.clientId)");
    }
    List<RoleRepresentation> realmRoles = resolveRealmRoles(realm, desired);
    Map<String, ResolvedClientRoles> clientRoles = resolveClientRoles(realm, desired);
    Map<String, String> scopeIds = desired.defaultClientScopes() != null || desired.optionalClientScopes() != null
        ? resolveScopes(realm, desired) : Map.of();

    String uuid;
    if (existing == null) {
      uuid = call("creating client '" + desired.clientId() + "'", () -> {
        try (Response response = realm.clients().create(toRepresentation(desired, new ClientRepresentation()))) {
          return CreatedResponseUtil.getCreatedId(response);
        }
      });
      log.info("Created Keycloak client {} in realm {} for {}", desired.clientId(), desired.realm(), desired.owner().describe());
    } else {
      uuid = existing.getId();
      ClientRepresentation updated = toRepresentation(desired, copy(existing));
      if (!sameClient(existing, updated)) {
        call("updating client '" + desired.clientId() + "'", () -> {
          realm.clients().get(uuid).update(updated);
          return null;
        });
        log.info("Updated Keycloak client {} in realm {}", desired.clientId(), desired.realm());
      }
    }
    ClientResource client = realm.clients().get(uuid);
    syncDefinedRoles(client, desired);
    if (desired.serviceAccount()) {
      String userId = call("reading the service account of '" + desired.clientId() + "'",
          () -> client.getServiceAccountUser().getId());
      RoleMappingResource mappings = realm.users().get(userId).roles();
      syncRoles(mappings.realmLevel(), realmRoles, "realm roles of " + desired.clientId());
      syncClientRoleMappings(mappings, clientRoles, desired.clientId());
    }
    if (desired.defaultClientScopes() != null) {
      syncScopes(desired, scopeIds, true, client);
    }
    if (desired.optionalClientScopes() != null) {
      syncScopes(desired, scopeIds, false, client);
    }
    return uuid;
  }

  /** The current client secret (Confidential clients). */
  public String readSecret(String realm, String uuid) {
    return call("reading the client secret", () -> realmOf(realm).clients().get(uuid).getSecret().getValue());
  }

  /** Regenerates the client secret: the old one stops working at once. */
  public String regenerateSecret(String realm, String uuid) {
    return call("regenerating the client secret", () -> realmOf(realm).clients().get(uuid).generateNewSecret().getValue());
  }

  /** What {@link #deleteClient} did. */
  public enum Deletion { DELETED, ABSENT, OWNED_ELSEWHERE }

  /** Deletes the client if it carries our mark; a client that is already gone is success. */
  public Deletion deleteClient(String realmName, String clientId, OwnerMark owner) {
    RealmResource realm = keycloak.realm(realmName);
    ClientRepresentation existing;
    try {
      existing = findClient(realm, realmName, clientId);
    } catch (ReconcileException e) {
      if (Reasons.REALM_NOT_FOUND.equals(e.reason())) {
        return Deletion.ABSENT;
      }
      throw e;
    }
    if (existing == null) {
      return Deletion.ABSENT;
    }
    if (!owner.isOn(existing.getAttributes())) {
      return Deletion.OWNED_ELSEWHERE;
    }
    callOrNull("deleting client '" + clientId + "'", () -> { // 404: already gone
      realm.clients().get(existing.getId()).remove();
      return null;
    });
    log.info("Deleted Keycloak client {} in realm {}", clientId, realmName);
    return Deletion.DELETED;
  }

  // --- the client ----------------------------------------------------------------------------

  private ClientRepresentation findClient(RealmResource realm, String realmName, String clientId) {
    List<ClientRepresentation> found = call("looking up client '" + clientId + "' in realm '" + realmName + "'",
        () -> realm.clients().findByClientId(clientId));
    return found.stream().filter(c -> clientId.equals(c.getClientId())).findFirst().orElse(null);
  }

  static ClientRepresentation toRepresentation(DesiredClient desired, ClientRepresentation rep) {
    rep.setClientId(desired.clientId());
    rep.setName(desired.clientId());
    rep.setDescription(desired.description() == null ? "" : desired.description());
    rep.setEnabled(true);
    rep.setProtocol("openid-connect");
    rep.setPublicClient(desired.publicClient());
    rep.setClientAuthenticatorType("client-secret");
    rep.setServiceAccountsEnabled(desired.serviceAccount());
    rep.setStandardFlowEnabled(desired.standardFlow());
    rep.setDirectAccessGrantsEnabled(desired.directAccessGrants());
    rep.setImplicitFlowEnabled(false);
    rep.setRedirectUris(desired.redirectUris());
    rep.setWebOrigins(desired.webOrigins());
    Map<String, String> attributes = rep.getAttributes() == null ? new HashMap<>() : new HashMap<>(rep.getAttributes());
    attributes.putAll(desired.owner().attributes());
    if (desired.accessTokenLifespanSeconds() != null) {
      attributes.put(LIFESPAN_ATTRIBUTE, String.valueOf(desired.accessTokenLifespanSeconds()));
    } else if (attributes.containsKey(LIFESPAN_ATTRIBUTE)) {
      attributes.put(LIFESPAN_ATTRIBUTE, ""); // an empty value removes the attribute
    }
    rep.setAttributes(attributes);
    if (rep.getId() == null) { // on create, scopes are part of the representation
      rep.setDefaultClientScopes(desired.defaultClientScopes());
      rep.setOptionalClientScopes(desired.optionalClientScopes());
    }
    return rep;
  }

  private static boolean sameClient(ClientRepresentation a, ClientRepresentation b) {
    return Objects.equals(a.getName(), b.getName())
        && Objects.equals(emptyToNull(a.getDescription()), emptyToNull(b.getDescription()))
        && Objects.equals(a.isEnabled(), b.isEnabled())
        && Objects.equals(a.isPublicClient(), b.isPublicClient())
        && Objects.equals(a.isServiceAccountsEnabled(), b.isServiceAccountsEnabled())
        && Objects.equals(a.isStandardFlowEnabled(), b.isStandardFlowEnabled())
        && Objects.equals(a.isDirectAccessGrantsEnabled(), b.isDirectAccessGrantsEnabled())
        && Objects.equals(a.isImplicitFlowEnabled(), b.isImplicitFlowEnabled())
        && Objects.equals(new TreeSet<>(nonNull(a.getRedirectUris())), new TreeSet<>(nonNull(b.getRedirectUris())))
        && Objects.equals(new TreeSet<>(nonNull(a.getWebOrigins())), new TreeSet<>(nonNull(b.getWebOrigins())))
        && Objects.equals(nonEmpty(a.getAttributes()), nonEmpty(b.getAttributes()));
  }

  private static ClientRepresentation copy(ClientRepresentation existing) {
    ClientRepresentation copy = new ClientRepresentation();
    copy.setId(existing.getId());
    copy.setAttributes(existing.getAttributes());
    return copy;
  }

  // --- roles ---------------------------------------------------------------------------------

  private void syncDefinedRoles(ClientResource client, DesiredClient desired) {
    Set<String> current = new HashSet<>();
    call("listing the roles of '" + desired.clientId() + "'", () -> client.roles().list())
        .forEach(r -> current.add(r.getName()));
    for (String role : desired.definedRoles()) {
      if (!current.contains(role)) {
        call("creating role '" + role + "' of '" + desired.clientId() + "'", () -> {
          RoleRepresentation rep = new RoleRepresentation();
          rep.setName(role);
          client.roles().create(rep);
          return null;
        });
      }
    }
    for (String role : current) {
      if (!desired.definedRoles().contains(role)) {
        call("deleting role '" + role + "' of '" + desired.clientId() + "'", () -> {
          client.roles().deleteRole(role);
          return null;
        });
      }
    }
  }

  private List<RoleRepresentation> resolveRealmRoles(RealmResource realm, DesiredClient desired) {
    List<RoleRepresentation> roles = new ArrayList<>();
    for (String name : desired.realmRoles()) {
      RoleRepresentation role = callOrNull("reading realm role '" + name + "'", () -> realm.roles().get(name).toRepresentation());
      if (role == null) {
        throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
            "realm role '" + name + "' does not exist in realm '" + desired.realm() + "'");
      }
      requireNoAdministrativeComposites(realm, desired.realm(), role, "realm role '" + name + "'");
      roles.add(role);
    }
    return roles;
  }

  private record ResolvedClientRoles(String uuid, List<RoleRepresentation> roles) {}

  private Map<String, ResolvedClientRoles> resolveClientRoles(RealmResource realm, DesiredClient desired) {
    Map<String, ResolvedClientRoles> resolved = new LinkedHashMap<>();
    for (Map.Entry<String, SortedSet<String>> entry : desired.clientRoles().entrySet()) {
      String clientId = entry.getKey();
      ClientRepresentation target = findClient(realm, desired.realm(), clientId);
      if (target == null) {
        throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
            "client '" + clientId + "' does not exist in realm '" + desired.realm() + "'");
      }
      String ownerNamespace = OwnerMark.namespaceOf(target.getAttributes());
      if (ownerNamespace != null && !ownerNamespace.equals(desired.owner().namespace())) {
        throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED, "client '" + clientId
            + "' belongs to a Keymint resource in namespace '" + ownerNamespace + "'; roles cannot cross namespaces");
      }
      List<RoleRepresentation> roles = new ArrayList<>();
      for (String name : entry.getValue()) {
        RoleRepresentation role = callOrNull("reading role '" + clientId + "/" + name + "'",
            () -> realm.clients().get(target.getId()).roles().get(name).toRepresentation());
        if (role == null) {
          throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
              "client '" + clientId + "' has no role '" + name + "' in realm '" + desired.realm() + "'");
        }
        requireNoAdministrativeComposites(realm, desired.realm(), role, "client role '" + clientId + "/" + name + "'");
        roles.add(role);
      }
      resolved.put(clientId, new ResolvedClientRoles(target.getId(), roles));
    }
    return resolved;
  }

  /** Walks a composite role's closure: no realm-management role, no admin realm role may hide in it. */
  private void requireNoAdministrativeComposites(RealmResource realm, String realmName, RoleRepresentation role, String what) {
    if (!Boolean.TRUE.equals(role.isComposite())) {
      return;
    }
    Map<String, String> clientIds = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<RoleRepresentation> frontier = List.of(role);
    for (int depth = 0; depth < MAX_COMPOSITE_DEPTH && !frontier.isEmpty(); depth++) {
      List<RoleRepresentation> next = new ArrayList<>();
      for (RoleRepresentation r : frontier) {
        if (!Boolean.TRUE.equals(r.isComposite()) || !seen.add(r.getId())) {
          continue;
        }
        for (RoleRepresentation inner : call("reading the composites of " + what, () -> realm.rolesById().getRoleComposites(r.getId()))) {
          boolean administrative = inner.getClientRole()
              ? RolePolicy.isAdministrativeClient(realmName, clientIds.computeIfAbsent(inner.getContainerId(),
                  id -> call("reading a client of a composite role", () -> realm.clients().get(id).toRepresentation().getClientId())))
              : RolePolicy.isAdministrativeRealmRole(inner.getName());
          if (administrative) {
            throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED,
                what + " contains the administrative role '" + inner.getName() + "' and is never grantable");
          }
          next.add(inner);
        }
      }
      frontier = next;
    }
  }

  private void syncClientRoleMappings(RoleMappingResource mappings, Map<String, ResolvedClientRoles> desired, String owner) {
    Map<String, ClientMappingsRepresentation> current = call("reading the role mappings of " + owner,
        () -> mappings.getAll().getClientMappings());
    Map<String, String> uuids = new LinkedHashMap<>();
    if (current != null) {
      current.forEach((clientId, m) -> uuids.put(clientId, m.getId()));
    }
    desired.forEach((clientId, r) -> uuids.put(clientId, r.uuid()));
    for (Map.Entry<String, String> entry : uuids.entrySet()) {
      ResolvedClientRoles wanted = desired.get(entry.getKey());
      syncRoles(mappings.clientLevel(entry.getValue()), wanted == null ? List.of() : wanted.roles(),
          "roles of client '" + entry.getKey() + "' for " + owner);
    }
  }

  /** Makes the mapped roles exactly {@code desired}: adds what is missing, removes what is extra. */
  private void syncRoles(RoleScopeResource scope, List<RoleRepresentation> desired, String what) {
    List<RoleRepresentation> current = call("reading the " + what, scope::listAll);
    Set<String> wanted = new HashSet<>();
    desired.forEach(r -> wanted.add(r.getName()));
    Set<String> have = new HashSet<>();
    current.forEach(r -> have.add(r.getName()));
    List<RoleRepresentation> add = desired.stream().filter(r -> !have.contains(r.getName())).toList();
    List<RoleRepresentation> remove = current.stream().filter(r -> !wanted.contains(r.getName())).toList();
    if (!add.isEmpty()) {
      call("adding " + what, () -> {
        scope.add(add);
        return null;
      });
    }
    if (!remove.isEmpty()) {
      call("removing " + what, () -> {
        scope.remove(remove);
        return null;
      });
    }
  }

  // --- client scopes -------------------------------------------------------------------------

  private Map<String, String> resolveScopes(RealmResource realm, DesiredClient desired) {
    Map<String, String> ids = new HashMap<>();
    call("listing client scopes of realm '" + desired.realm() + "'", () -> realm.clientScopes().findAll())
        .forEach(s -> ids.put(s.getName(), s.getId()));
    List<String> wanted = new ArrayList<>(nonNull(desired.defaultClientScopes()));
    wanted.addAll(nonNull(desired.optionalClientScopes()));
    for (String name : wanted) {
      if (!ids.containsKey(name)) {
        throw ReconcileException.permanent(Reasons.CLIENT_SCOPE_NOT_FOUND,
            "client scope '" + name + "' does not exist in realm '" + desired.realm() + "'");
      }
    }
    return ids;
  }

  private void syncScopes(DesiredClient desired, Map<String, String> ids, boolean defaults, ClientResource client) {
    String kind = defaults ? "default" : "optional";
    List<String> wanted = defaults ? desired.defaultClientScopes() : desired.optionalClientScopes();
    List<ClientScopeRepresentation> current = call("reading the " + kind + " client scopes of '" + desired.clientId() + "'",
        () -> defaults ? client.getDefaultClientScopes() : client.getOptionalClientScopes());
    Set<String> have = new HashSet<>();
    current.forEach(s -> have.add(s.getName()));
    for (String name : wanted) {
      if (!have.contains(name)) {
        call("adding " + kind + " client scope '" + name + "'", () -> {
          if (defaults) {
            client.addDefaultClientScope(ids.get(name));
          } else {
            client.addOptionalClientScope(ids.get(name));
          }
          return null;
        });
      }
    }
    for (ClientScopeRepresentation scope : current) {
      if (!wanted.contains(scope.getName())) {
        call("removing " + kind + " client scope '" + scope.getName() + "'", () -> {
          if (defaults) {
            client.removeDefaultClientScope(scope.getId());
          } else {
            client.removeOptionalClientScope(scope.getId());
          }
          return null;
        });
      }
    }
  }

  // --- errors --------------------------------------------------------------------------------

  private RealmResource realmOf(String name) {
    return keycloak.realm(name);
  }

  /** Runs one admin operation and turns whatever goes wrong into a reason and a safe message. */
  private <T> T call(String operation, Supplier<T> action) {
    try {
      return action.get();
    } catch (WebApplicationException e) {
      throw classify(operation, e.getResponse() == null ? 0 : e.getResponse().getStatus());
    } catch (ProcessingException e) {
      if (e.getCause() instanceof WebApplicationException w) { // the admin credential's own token request
        throw classify(operation + " (obtaining Keymint's admin token)", w.getResponse().getStatus());
      }
      throw ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "Keycloak at " + baseUrl + " is unreachable while " + operation + " (" + rootCause(e).getClass().getSimpleName() + ")");
    }
  }

  /** Like {@link #call}, but a 404 is an answer (null), not a failure. */
  private <T> T callOrNull(String operation, Supplier<T> action) {
    return call(operation, () -> {
      try {
        return action.get();
      } catch (NotFoundException e) {
        return null;
      }
    });
  }

  private ReconcileException classify(String operation, int status) {
    if (status == 401 || status == 403) {
      return ReconcileException.permanent(Reasons.FORBIDDEN, "Keycloak refused Keymint's admin credential while "
          + operation + " (HTTP " + status + "); its service account needs the realm-management roles "
          + String.join(", ", REQUIRED_ADMIN_ROLES));
    }
    if (status == 404) {
      return ReconcileException.permanent(Reasons.REALM_NOT_FOUND, "Keycloak answered 404 while " + operation
          + ": does the realm exist?");
    }
    if (status == 409) {
      return ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE, "conflict while " + operation + " (HTTP 409)");
    }
    if (status == 429 || status >= 500 || status == 0) {
      return ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "Keycloak answered HTTP " + status + " while " + operation);
    }
    return ReconcileException.permanent(Reasons.INVALID_SPEC, "Keycloak rejected the request while " + operation
        + " (HTTP " + status + ")");
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Map<String, String> nonEmpty(Map<String, String> attributes) {
    Map<String, String> result = new HashMap<>();
    if (attributes != null) {
      attributes.forEach((k, v) -> {
        if (v != null && !v.isEmpty()) {
          result.put(k, v);
        }
      });
    }
    return result;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  @Override
  public void close() {
    keycloak.close();
    http.close();
  }
}
