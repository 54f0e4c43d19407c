package io.keymint.keycloak;

import io.keymint.kube.Hashes;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Everything Keymint wants a Keycloak client to be: the client itself, the roles it defines, its
 * service account's role mappings and its client scopes. Pure data; {@link #hash()} changes when
 * anything in it changes, so an unchanged resource needs no admin call.
 *
 * @param defaultClientScopes null: leave the realm's defaults alone; else exactly these
 * @param optionalClientScopes null: leave the realm's defaults alone; else exactly these
 * @param grantTargetOwners    clientId -> uid of the Keymint resource that must own that client for
 *                             its roles in {@code clientRoles} to be granted (audience grants); a
 *                             client not named here is governed by KEYMINT_GRANTABLE_ROLES
 * @param privateKeyJwt        the client authenticates with signed JWTs (authenticator client-jwt) against
 *                             the key set kept on the client, not with its client secret
 * @param federatedJwt         the client authenticates with its workload's ServiceAccount token (authenticator
 *                             federated-jwt, bound to this provider and subject); null: it does not
 */
public record DesiredClient(
    String realm,
    String clientId,
    String description,
    boolean publicClient,
    boolean standardFlow,
    boolean directAccessGrants,
    List<String> redirectUris,
    List<String> webOrigins,
    Integer accessTokenLifespanSeconds,
    SortedSet<String> definedRoles,
    SortedSet<String> realmRoles,
    SortedMap<String, SortedSet<String>> clientRoles,
    List<String> defaultClientScopes,
    List<String> optionalClientScopes,
    OwnerMark owner,
    SortedMap<String, String> grantTargetOwners,
    boolean privateKeyJwt,
    FederatedJwt federatedJwt) {

  /** A client authenticating with its client secret or (privateKeyJwt) a key pair. */
  public DesiredClient(String realm, String clientId, String description, boolean publicClient, boolean standardFlow,
      boolean directAccessGrants, List<String> redirectUris, List<String> webOrigins, Integer accessTokenLifespanSeconds,
      SortedSet<String> definedRoles, SortedSet<String> realmRoles, SortedMap<String, SortedSet<String>> clientRoles,
      List<String> defaultClientScopes, List<String> optionalClientScopes, OwnerMark owner,
      SortedMap<String, String> grantTargetOwners, boolean privateKeyJwt) {
    this(realm, clientId, description, publicClient, standardFlow, directAccessGrants, redirectUris, webOrigins,
        accessTokenLifespanSeconds, definedRoles, realmRoles, clientRoles, defaultClientScopes, optionalClientScopes,
        owner, grantTargetOwners, privateKeyJwt, null);
  }

  /** A client authenticating with its client secret. */
  public DesiredClient(String realm, String clientId, String description, boolean publicClient, boolean standardFlow,
      boolean directAccessGrants, List<String> redirectUris, List<String> webOrigins, Integer accessTokenLifespanSeconds,
      SortedSet<String> definedRoles, SortedSet<String> realmRoles, SortedMap<String, SortedSet<String>> clientRoles,
      List<String> defaultClientScopes, List<String> optionalClientScopes, OwnerMark owner,
      SortedMap<String, String> grantTargetOwners) {
    this(realm, clientId, description, publicClient, standardFlow, directAccessGrants, redirectUris, webOrigins,
        accessTokenLifespanSeconds, definedRoles, realmRoles, clientRoles, defaultClientScopes, optionalClientScopes,
        owner, grantTargetOwners, false, null);
  }

  /** A client whose grants are governed by KEYMINT_GRANTABLE_ROLES alone (a ClientApplication's). */
  public DesiredClient(String realm, String clientId, String description, boolean publicClient, boolean standardFlow,
      boolean directAccessGrants, List<String> redirectUris, List<String> webOrigins, Integer accessTokenLifespanSeconds,
      SortedSet<String> definedRoles, SortedSet<String> realmRoles, SortedMap<String, SortedSet<String>> clientRoles,
      List<String> defaultClientScopes, List<String> optionalClientScopes, OwnerMark owner) {
    this(realm, clientId, description, publicClient, standardFlow, directAccessGrants, redirectUris, webOrigins,
        accessTokenLifespanSeconds, definedRoles, realmRoles, clientRoles, defaultClientScopes, optionalClientScopes,
        owner, new TreeMap<>(), false, null);
  }

  /** Confidential clients always have a service account (client_credentials), holding only the listed roles. */
  public boolean serviceAccount() {
    return !publicClient;
  }

  /** The authenticator Keycloak runs for this client: its secret, a signed JWT, or its workload's token. */
  String authenticator() {
    return privateKeyJwt ? "client-jwt" : federatedJwt != null ? FederatedJwt.AUTHENTICATOR : "client-secret";
  }

  /**
   * Someone other than the client itself can get a token through it: a user logs in (standard flow)
   * or hands over a password (direct access grants). Keymint enables no other user-facing grant on
   * its clients (implicit, device, CIBA, token exchange). A client that is not user-facing issues
   * tokens only for its own service account, whose role mappings Keymint keeps to exactly the
   * declared roles: it needs no scope mappings ({@code fullScopeAllowed} on adds nothing to its
   * tokens). A user-facing client keeps {@code fullScopeAllowed} off and scope mappings for exactly
   * the declared roles, so a realm administrator logging in through it gets none of their own roles.
   */
  public boolean userFacing() {
    return standardFlow || directAccessGrants;
  }

  /**
   * Changes when anything Keymint makes of this description changes, derived settings included: a
   * Keymint that derives more (full scope for clients without a login flow) syncs every client once.
   */
  public String hash() {
    return Hashes.of(toString() + ", userFacing=" + userFacing());
  }
}
