package io.keymint.keycloak;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * What Keymint owns on a Keycloak client, and whether the client Keycloak shows differs from it.
 * Pure: the gateway creates {@link #create} and sends {@link #update} only when it is not null.
 *
 * <p>Keymint owns the client's name, description, type, authenticator, flows (all but the ones
 * declared are off), full scope, redirect URIs, web origins, its ownership mark, the access-token
 * lifespan, the key-set switch and the binding to a workload (federated-jwt); an attribute someone
 * else set is kept as it is.
 */
final class ClientDiff {

  private ClientDiff() {
  }

  /** The client to create, with its client scopes (after creation they are synced one by one). */
  static ClientRepresentation create(DesiredClient desired) {
    ClientRepresentation rep = owned(desired, new ClientRepresentation());
    rep.setDefaultClientScopes(desired.defaultClientScopes());
    rep.setOptionalClientScopes(desired.optionalClientScopes());
    return rep;
  }

  /** The update that makes {@code existing} what {@code desired} says; null when nothing Keymint owns differs. */
  static ClientRepresentation update(DesiredClient desired, ClientRepresentation existing) {
    ClientRepresentation base = new ClientRepresentation();
    base.setId(existing.getId());
    base.setAttributes(existing.getAttributes());
    ClientRepresentation updated = owned(desired, base);
    return same(existing, updated) ? null : updated;
  }

  private static ClientRepresentation owned(DesiredClient desired, ClientRepresentation rep) {
    rep.setClientId(desired.clientId());
    rep.setName(desired.clientId());
    rep.setDescription(desired.description() == null ? "" : desired.description());
    rep.setEnabled(true);
    rep.setProtocol("openid-connect");
    rep.setPublicClient(desired.publicClient());
    rep.setClientAuthenticatorType(desired.authenticator());
    rep.setServiceAccountsEnabled(desired.serviceAccount());
    rep.setStandardFlowEnabled(desired.standardFlow());
    rep.setDirectAccessGrantsEnabled(desired.directAccessGrants());
    rep.setImplicitFlowEnabled(false);
    // a user's token through a user-facing client carries only its scope-mapped roles; a client without
    // such a flow issues tokens only for its service account, which holds exactly the declared roles.
    // Set in the same update as the flows: never flows on with full scope.
    rep.setFullScopeAllowed(!desired.userFacing());
    rep.setRedirectUris(desired.redirectUris());
    rep.setWebOrigins(desired.webOrigins());
    Map<String, String> attributes = rep.getAttributes() == null ? new HashMap<>() : new HashMap<>(rep.getAttributes());
    attributes.putAll(desired.owner().attributes());
    if (desired.privateKeyJwt()) {
      attributes.put(KeycloakGateway.USE_JWKS_STRING, "true"); // the key set itself: registerKeys
    } else {
      for (String keyAttribute : List.of(KeycloakGateway.USE_JWKS_STRING, KeycloakGateway.JWKS_STRING)) {
        if (attributes.containsKey(keyAttribute)) {
          attributes.put(keyAttribute, ""); // back to the client secret: the keys go
        }
      }
    }
    if (desired.federatedJwt() != null) {
      attributes.putAll(desired.federatedJwt().attributes());
    } else {
      for (String binding : List.of(FederatedJwt.ISSUER_ATTRIBUTE, FederatedJwt.SUBJECT_ATTRIBUTE)) {
        if (attributes.containsKey(binding)) {
          attributes.put(binding, ""); // no longer bound to a workload
        }
      }
    }
    if (desired.accessTokenLifespanSeconds() != null) {
      attributes.put(KeycloakGateway.LIFESPAN_ATTRIBUTE, String.valueOf(desired.accessTokenLifespanSeconds()));
    } else if (attributes.containsKey(KeycloakGateway.LIFESPAN_ATTRIBUTE)) {
      attributes.put(KeycloakGateway.LIFESPAN_ATTRIBUTE, ""); // an empty value removes the attribute
    }
    rep.setAttributes(attributes);
    return rep;
  }

  /** Whether two clients agree on everything Keymint owns (lists as sets, empty as absent). */
  static boolean same(ClientRepresentation a, ClientRepresentation b) {
    return Objects.equals(a.getName(), b.getName())
        && Objects.equals(a.getClientAuthenticatorType(), b.getClientAuthenticatorType())
        && Objects.equals(emptyToNull(a.getDescription()), emptyToNull(b.getDescription()))
        && Objects.equals(a.isEnabled(), b.isEnabled())
        && Objects.equals(a.isPublicClient(), b.isPublicClient())
        && Objects.equals(a.isServiceAccountsEnabled(), b.isServiceAccountsEnabled())
        && Objects.equals(a.isStandardFlowEnabled(), b.isStandardFlowEnabled())
        && Objects.equals(a.isDirectAccessGrantsEnabled(), b.isDirectAccessGrantsEnabled())
        && Objects.equals(a.isImplicitFlowEnabled(), b.isImplicitFlowEnabled())
        && Objects.equals(a.isFullScopeAllowed(), b.isFullScopeAllowed())
        && Objects.equals(asSet(a.getRedirectUris()), asSet(b.getRedirectUris()))
        && Objects.equals(asSet(a.getWebOrigins()), asSet(b.getWebOrigins()))
        && Objects.equals(nonEmpty(a.getAttributes()), nonEmpty(b.getAttributes()));
  }

  private static TreeSet<String> asSet(List<String> list) {
    return list == null ? new TreeSet<>() : new TreeSet<>(list);
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
}
