package io.keymint.api;

/** The condition reasons of the API contract (CamelCase, stable: users and alerts match on them). */
public final class Reasons {
  public static final String PROVISIONED = "Provisioned";
  public static final String TOKEN_ISSUED = "TokenIssued";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String CLIENT_APPLICATION_NOT_READY = "ClientApplicationNotReady";
  public static final String IDENTITY_PROVIDER_UNAVAILABLE = "IdentityProviderUnavailable";
  public static final String INVALID_GRANT = "InvalidGrant";
  public static final String INVALID_CLIENT = "InvalidClient";
  public static final String FORBIDDEN = "Forbidden";
  public static final String CLIENT_OWNED_ELSEWHERE = "ClientOwnedElsewhere";
  public static final String REALM_NOT_ALLOWED = "RealmNotAllowed";
  public static final String REALM_NOT_FOUND = "RealmNotFound";
  /** A Keycloak client (or what Keymint was changing on it) was removed while Keymint worked on it: retried. */
  public static final String CLIENT_NOT_FOUND = "ClientNotFound";
  public static final String ROLE_NOT_ALLOWED = "RoleNotAllowed";
  public static final String ROLE_NOT_FOUND = "RoleNotFound";
  public static final String CLIENT_SCOPE_NOT_FOUND = "ClientScopeNotFound";
  public static final String TOKEN_ENDPOINT_NOT_ALLOWED = "TokenEndpointNotAllowed";
  public static final String SECRET_CONFLICT = "SecretConflict";
  public static final String KEYCLOAK_NOT_CONFIGURED = "KeycloakNotConfigured";
  public static final String REDIRECT_URI_NOT_ALLOWED = "RedirectUriNotAllowed";
  public static final String CLIENT_SCOPE_NOT_ALLOWED = "ClientScopeNotAllowed";
  public static final String KUBERNETES_API_ERROR = "KubernetesApiError";
  /** A token endpoint answered with more than Keymint keeps: over 1 MiB, or tokens too large for a Secret. Retried with backoff. */
  public static final String INVALID_TOKEN_RESPONSE = "InvalidTokenResponse";
  /** Another Keymint process holds the right to present this PlatformToken's refresh token right now. */
  public static final String REFRESH_IN_PROGRESS = "RefreshInProgress";
  /** spec.serviceAccountName names a ServiceAccount Keymint may not bind: {@code default}, or one of another namespace. */
  public static final String SERVICE_ACCOUNT_NOT_ALLOWED = "ServiceAccountNotAllowed";
  /** Another Keycloak client of the realm is already bound to this ServiceAccount: Keycloak could not tell them apart. */
  public static final String SERVICE_ACCOUNT_IN_USE = "ServiceAccountInUse";
  /** The realm's identity provider of that alias (or for that issuer) is not the cluster Keymint trusts, and not Keymint's. */
  public static final String IDENTITY_PROVIDER_CONFLICT = "IdentityProviderConflict";
  /** The realm's client authentication flow has no enabled "Signed JWT - Federated" step (a realm from before Keycloak 26.6). */
  public static final String FEDERATED_JWT_NOT_ENABLED = "FederatedJwtNotEnabled";
  /** The ServiceAccount an AppToken needs a token of does not exist (yet). */
  public static final String SERVICE_ACCOUNT_NOT_FOUND = "ServiceAccountNotFound";

  private Reasons() {}
}
