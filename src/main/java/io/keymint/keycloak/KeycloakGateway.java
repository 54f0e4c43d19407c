package io.keymint.keycloak;

import io.keymint.api.Reasons;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.ReconcileException;
import io.keymint.observe.KeymintMetrics;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.JacksonProvider;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.spi.ResteasyClientClassicProvider;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
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
  /**
   * Needed in addition only to grant realm roles on clients with a user-facing flow: such a client
   * keeps fullScopeAllowed off, and Keycloak 26.7 puts a realm role into a client's scope only for an
   * admin with this role. Service-account-only clients need no scope mappings ({@link DesiredClient#userFacing}).
   */
  public static final String REALM_ROLE_GRANTS_ADMIN_ROLE = "manage-realm";
  static final String LIFESPAN_ATTRIBUTE = "access.token.lifespan";
  /** Client attributes of private-key JWT authentication: the public key set kept on the client. */
  static final String USE_JWKS_STRING = "use.jwks.string";
  static final String JWKS_STRING = "jwks.string";
  /** Client attribute of Keycloak's client-secret rotation policy: when the rotated (previous) secret expires. */
  static final String ROTATED_SECRET_EXPIRATION = "client.secret.rotated.expiration.time";
  /** Client attribute of Keycloak's client-secret rotation policy: when the current secret expires. */
  static final String SECRET_EXPIRATION = "client.secret.expiration.time";

  private final String baseUrl;
  private final Client http;
  private final Keycloak keycloak;
  private final AtomicLong adminRequests = new AtomicLong();
  private final KeymintMetrics metrics;
  private final AdminCalls admin;
  private final RoleGrants roles;
  private final FederatedBindings federated;
  private static final String STARTED = "keymint.started";

  public KeycloakGateway(OperatorConfig.Keycloak config, RolePolicy rolePolicy, KeymintMetrics metrics) {
    this.baseUrl = config.url();
    this.metrics = metrics;
    this.admin = new AdminCalls(config.url());
    this.roles = new RoleGrants(admin, rolePolicy);
    this.federated = new FederatedBindings(admin);
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
   * @return the client, verified: it carries the desired owner's mark
   */
  public OwnedClient ensureClient(DesiredClient desired) {
    RealmResource realm = realmOf(desired.realm());
    ClientRepresentation existing = findClient(admin, realm, desired.realm(), desired.clientId());
    if (existing != null && !desired.owner().isOn(existing.getAttributes())) {
      throw ReconcileException.permanent(Reasons.CLIENT_OWNED_ELSEWHERE, "client '" + desired.clientId()
          + "' already exists in realm '" + desired.realm() + "' and was not created by this " + desired.owner().kind()
          + "; Keymint leaves it untouched (choose another spec.clientId)");
    }
    RoleGrants.Resolved grants = roles.resolve(realm, desired);
    Map<String, String> scopeIds = desired.defaultClientScopes() != null || desired.optionalClientScopes() != null
        ? resolveScopes(realm, desired) : Map.of();

    String uuid;
    if (existing == null) {
      uuid = createClient(realm, desired);
    } else {
      uuid = existing.getId();
      ClientRepresentation updated = ClientDiff.update(desired, existing);
      if (updated != null) {
        admin.run("updating client '" + desired.clientId() + "'", () -> realm.clients().get(uuid).update(updated));
        log.info("Updated Keycloak client {} in realm {}", desired.clientId(), desired.realm());
      }
    }
    ClientResource client = realm.clients().get(uuid);
    syncDefinedRoles(client, desired);
    if (desired.userFacing()) { // otherwise full scope: the scope mappings do not count, and are left as they are
      roles.syncScope(client, grants, desired.clientId());
    }
    if (desired.serviceAccount()) {
      roles.syncServiceAccount(realm, client, grants, desired.clientId());
    }
    if (desired.defaultClientScopes() != null) {
      syncScopes(desired, scopeIds, true, client);
    }
    if (desired.optionalClientScopes() != null) {
      syncScopes(desired, scopeIds, false, client);
    }
    return new OwnedClient(desired.realm(), desired.clientId(), uuid);
  }

  /**
   * The desired client, verified with one read when {@code uuidHint} (an id remembered in a status,
   * which a tenant may have written) names a client that carries the owner's mark under the desired
   * clientId; otherwise the hint is forgotten and the client is found by its clientId and made what
   * {@code desired} says ({@link #ensureClient}), which verifies the mark as well.
   */
  public OwnedClient ownedClient(DesiredClient desired, String uuidHint) {
    if (uuidHint != null) {
      ClientRepresentation hinted = admin.callOrNull("reading client '" + desired.clientId() + "'",
          () -> realmOf(desired.realm()).clients().get(uuidHint).toRepresentation());
      if (hinted != null && desired.clientId().equals(hinted.getClientId()) && desired.owner().isOn(hinted.getAttributes())) {
        return new OwnedClient(desired.realm(), desired.clientId(), hinted.getId());
      }
      log.warn("The Keycloak id in the status of {} does not name its client '{}'; ignored", desired.owner().describe(),
          desired.clientId());
    }
    return ensureClient(desired);
  }

  /** Whether a client of this clientId exists in the realm and carries the owner's mark. */
  public boolean owns(String realmName, String clientId, OwnerMark owner) {
    ClientRepresentation existing = findClient(admin, realmOf(realmName), realmName, clientId);
    return existing != null && owner.isOn(existing.getAttributes());
  }

  /**
   * Creates the client with our ownership mark. A 409 means a client of that clientId appeared since
   * the lookup (another Keymint process, or a retry after a lost answer): it is adopted when it
   * carries our mark, and refused otherwise.
   */
  private String createClient(RealmResource realm, DesiredClient desired) {
    try {
      String uuid = admin.call("creating client '" + desired.clientId() + "'", () -> {
        try (Response response = realm.clients().create(ClientDiff.create(desired))) {
          return CreatedResponseUtil.getCreatedId(response);
        }
      });
      log.info("Created Keycloak client {} in realm {} for {}", desired.clientId(), desired.realm(), desired.owner().describe());
      return uuid;
    } catch (ReconcileException e) {
      ClientRepresentation raced = findClient(admin, realm, desired.realm(), desired.clientId());
      if (raced == null) {
        throw e;
      }
      if (!desired.owner().isOn(raced.getAttributes())) {
        throw ReconcileException.permanent(Reasons.CLIENT_OWNED_ELSEWHERE, "client '" + desired.clientId()
            + "' was created in realm '" + desired.realm() + "' by someone else meanwhile; Keymint leaves it untouched");
      }
      return raced.getId();
    }
  }

  /** The current client secret (Confidential clients). */
  public String readSecret(OwnedClient client) {
    return admin.call("reading the client secret of '" + client.clientId() + "'",
        () -> resource(client).getSecret().getValue());
  }

  /**
   * Regenerates the client secret. The old one stops working at once, unless a client-secret rotation
   * policy of the realm keeps it as the client's rotated secret ({@link #rotatedSecretExpiry}).
   */
  public String regenerateSecret(OwnedClient client) {
    return admin.call("regenerating the client secret of '" + client.clientId() + "'",
        () -> resource(client).generateNewSecret().getValue());
  }

  /**
   * When Keycloak stops accepting {@code previousSecret}, if it kept it as the client's rotated secret
   * (a realm client policy with the {@code secret-rotation} executor, a preview feature of Keycloak 26);
   * null when it did not, i.e. the previous secret ended at once.
   */
  public Instant rotatedSecretExpiry(OwnedClient owned, String previousSecret) {
    ClientResource client = resource(owned);
    CredentialRepresentation rotated = admin.callOrNull("reading the rotated client secret", client::getClientRotatedSecret);
    if (rotated == null || previousSecret == null || !previousSecret.equals(rotated.getValue())) {
      return null;
    }
    ClientRepresentation rep = admin.call("reading client '" + owned.clientId() + "'", client::toRepresentation);
    Instant expiry = epochSeconds(rep, ROTATED_SECRET_EXPIRATION);
    return expiry == null ? Instant.MAX : expiry;
  }

  /**
   * When Keycloak stops accepting the client's current secret: set where a client-secret rotation
   * policy of the realm gives secrets an expiration period; null when it never expires.
   */
  public Instant secretExpiry(OwnedClient client) {
    ClientRepresentation rep = admin.call("reading client '" + client.clientId() + "'", () -> resource(client).toRepresentation());
    return epochSeconds(rep, SECRET_EXPIRATION);
  }

  /** A client attribute holding a time in epoch seconds; null when absent, not positive or not a number. */
  private static Instant epochSeconds(ClientRepresentation rep, String attribute) {
    String value = rep.getAttributes() == null ? null : rep.getAttributes().get(attribute);
    try {
      long seconds = value == null || value.isBlank() ? 0 : Long.parseLong(value.trim());
      return seconds <= 0 ? null : Instant.ofEpochSecond(seconds);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Ends the client's rotated (previous) secret now; none is success. */
  public void deleteRotatedSecret(OwnedClient client) {
    admin.callOrNull("removing the rotated client secret of '" + client.clientId() + "'", () -> {
      resource(client).invalidateRotatedSecret();
      return null;
    });
  }

  /**
   * The public keys registered on a private-key JWT client, by key id (kid), as JWK JSON. A key set
   * that does not parse counts as empty: the next {@link #registerKeys} replaces it.
   */
  public Map<String, String> registeredKeys(OwnedClient client) {
    ClientRepresentation rep = admin.call("reading the keys of client '" + client.clientId() + "'",
        () -> resource(client).toRepresentation());
    String jwks = rep.getAttributes() == null ? null : rep.getAttributes().get(JWKS_STRING);
    Map<String, String> keys = new TreeMap<>();
    if (jwks == null || jwks.isBlank()) {
      return keys;
    }
    try {
      for (JWK key : JWKSet.parse(jwks).getKeys()) {
        if (key.getKeyID() != null && !key.isPrivate()) {
          keys.put(key.getKeyID(), key.toJSONString());
        }
      }
    } catch (ParseException e) {
      log.warn("The key set of client {} in realm {} does not parse; Keymint replaces it", client.clientId(), client.realm());
    }
    return keys;
  }

  /** Makes the client's key set exactly these public keys (JWK JSON); assertions signed by any of them are accepted. */
  public void registerKeys(OwnedClient client, Collection<String> publicJwks) {
    List<Map<String, Object>> keys = new ArrayList<>();
    for (String jwk : publicJwks) {
      try {
        keys.add(JWK.parse(jwk).toPublicJWK().toJSONObject());
      } catch (ParseException e) {
        throw new IllegalArgumentException("not a JWK");
      }
    }
    ClientRepresentation change = new ClientRepresentation();
    change.setId(client.uuid());
    change.setAttributes(Map.of(USE_JWKS_STRING, "true", JWKS_STRING, JSONObjectUtils.toJSONString(Map.of("keys", keys))));
    admin.run("registering the public keys of client '" + client.clientId() + "'", () -> resource(client).update(change));
  }

  /** What {@link #deleteClient} did. */
  public enum Deletion { DELETED, ABSENT, OWNED_ELSEWHERE }

  /** Deletes the client if it carries our mark; a client that is already gone is success. */
  public Deletion deleteClient(String realmName, String clientId, OwnerMark owner) {
    RealmResource realm = keycloak.realm(realmName);
    ClientRepresentation existing;
    try {
      existing = findClient(admin, realm, realmName, clientId);
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
    admin.callOrNull("deleting client '" + clientId + "'", () -> { // 404: already gone
      realm.clients().get(existing.getId()).remove();
      return null;
    });
    log.info("Deleted Keycloak client {} in realm {}", clientId, realmName);
    return Deletion.DELETED;
  }

  // --- clients bound to a workload (federated-jwt) -------------------------------------------

  /**
   * Makes the realm ready for {@code desired}'s binding to its workload ({@link FederatedJwt}), before
   * the client itself is made or changed, so that a realm that cannot take it gets nothing: see
   * {@link FederatedBindings#ensure}.
   */
  public void ensureFederatedBinding(DesiredClient desired, String issuer) {
    federated.ensure(realmOf(desired.realm()), desired, issuer);
  }

  // --- the client ----------------------------------------------------------------------------

  static ClientRepresentation findClient(AdminCalls admin, RealmResource realm, String realmName, String clientId) {
    List<ClientRepresentation> found = admin.callOnRealm("looking up client '" + clientId + "' in realm '" + realmName + "'",
        () -> realm.clients().findByClientId(clientId));
    return found.stream().filter(c -> clientId.equals(c.getClientId())).findFirst().orElse(null);
  }

  // --- roles ---------------------------------------------------------------------------------

  private void syncDefinedRoles(ClientResource client, DesiredClient desired) {
    Set<String> current = new HashSet<>();
    admin.call("listing the roles of '" + desired.clientId() + "'", () -> client.roles().list())
        .forEach(r -> current.add(r.getName()));
    for (String role : desired.definedRoles()) {
      if (!current.contains(role)) {
        admin.call("creating role '" + role + "' of '" + desired.clientId() + "'", () -> {
          RoleRepresentation rep = new RoleRepresentation();
          rep.setName(role);
          client.roles().create(rep);
          return null;
        });
      }
    }
    for (String role : current) {
      if (!desired.definedRoles().contains(role)) {
        admin.call("deleting role '" + role + "' of '" + desired.clientId() + "'", () -> {
          client.roles().deleteRole(role);
          return null;
        });
      }
    }
  }

  // --- client scopes -------------------------------------------------------------------------

  private Map<String, String> resolveScopes(RealmResource realm, DesiredClient desired) {
    Map<String, String> ids = new HashMap<>();
    admin.callOnRealm("listing client scopes of realm '" + desired.realm() + "'", () -> realm.clientScopes().findAll())
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
    List<ClientScopeRepresentation> current = admin.call("reading the " + kind + " client scopes of '" + desired.clientId() + "'",
        () -> defaults ? client.getDefaultClientScopes() : client.getOptionalClientScopes());
    Set<String> have = new HashSet<>();
    current.forEach(s -> have.add(s.getName()));
    for (String name : wanted) {
      if (!have.contains(name)) {
        admin.call("adding " + kind + " client scope '" + name + "'", () -> {
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
        admin.call("removing " + kind + " client scope '" + scope.getName() + "'", () -> {
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

  private ClientResource resource(OwnedClient client) {
    return realmOf(client.realm()).clients().get(client.uuid());
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  @Override
  public void close() {
    keycloak.close();
    http.close();
  }
}
