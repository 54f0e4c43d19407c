package io.keymint.keycloak;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;

/**
 * A client that authenticates with a token its workload got from a federated identity provider of
 * the realm, here the Kubernetes cluster (Keycloak 26.6 and later: client authenticator
 * {@value #AUTHENTICATOR}, identity provider type {@value #PROVIDER_TYPE}). Keycloak finds the
 * identity provider by the token's {@code iss}, then the one client whose attributes name that
 * provider's alias and the token's {@code sub}, checks the signature against the keys the issuer
 * publishes (its {@code /.well-known/openid-configuration}, then {@code jwks_uri}), and wants the
 * realm's issuer URL as the token's only audience.
 *
 * <p>Pure: what the client carries, and the decisions about the realm's identity provider and its
 * client authentication flow; {@link KeycloakGateway#ensureFederatedBinding} carries them out.
 *
 * @param identityProvider the alias of the realm's identity provider for the cluster
 * @param subject          the workload identity, {@code system:serviceaccount:<namespace>:<name>}
 */
public record FederatedJwt(String identityProvider, String subject) {

  /** Keycloak's client authenticator "Signed JWT - Federated". */
  public static final String AUTHENTICATOR = "federated-jwt";
  /** Keycloak's identity provider type for a Kubernetes cluster's ServiceAccount issuer. */
  public static final String PROVIDER_TYPE = "kubernetes";
  /** Client attribute: the alias of the identity provider whose tokens the client accepts. */
  static final String ISSUER_ATTRIBUTE = "jwt.credential.issuer";
  /** Client attribute: the {@code sub} those tokens must carry. */
  static final String SUBJECT_ATTRIBUTE = "jwt.credential.sub";
  /** Identity provider config: the issuer whose tokens it trusts. */
  static final String ISSUER_CONFIG = "issuer";
  /** Identity provider config: the mark of a provider Keymint created (and so may change). */
  static final String OWNER_CONFIG = "keymint.io/owner";
  static final String OWNER_VALUE = "keymint";
  /** The realm-management role that reads identity providers. */
  static final String VIEW_ROLE = "view-identity-providers";
  /** The realm-management role that creates and changes them (it includes {@link #VIEW_ROLE}). */
  static final String MANAGE_ROLE = "manage-identity-providers";

  /** The two client attributes that bind the client to the workload. */
  Map<String, String> attributes() {
    return Map.of(ISSUER_ATTRIBUTE, identityProvider, SUBJECT_ATTRIBUTE, subject);
  }

  /** Whether a client's attributes bind it to this workload. */
  boolean isOn(Map<String, String> attributes) {
    return attributes != null && identityProvider.equals(attributes.get(ISSUER_ATTRIBUTE))
        && subject.equals(attributes.get(SUBJECT_ATTRIBUTE));
  }

  /** What Keymint does about the realm's identity provider of the alias. */
  enum ProviderAction { CREATE, KEEP, UPDATE }

  /**
   * Keymint creates the provider when it is missing, keeps one that already trusts the issuer, brings
   * its own back to the issuer and enabled, and never changes one it did not create.
   *
   * @param existing the realm's identity provider of the alias, or null
   * @throws ReconcileException IdentityProviderConflict for a provider Keymint may not change that is not
   *     the cluster (another type or issuer) or is disabled
   */
  static ProviderAction providerAction(IdentityProviderRepresentation existing, String realm, String alias, String issuer) {
    if (existing == null) {
      return ProviderAction.CREATE;
    }
    boolean cluster = PROVIDER_TYPE.equals(existing.getProviderId());
    boolean trustsIssuer = existing.getConfig() != null && issuer.equals(existing.getConfig().get(ISSUER_CONFIG));
    boolean enabled = existing.isEnabled();
    if (cluster && ownedByKeymint(existing)) {
      return trustsIssuer && enabled ? ProviderAction.KEEP : ProviderAction.UPDATE;
    }
    if (cluster && trustsIssuer && enabled) {
      return ProviderAction.KEEP; // the realm's administrator set the cluster up: used as it is
    }
    String problem = !cluster ? "is of type '" + existing.getProviderId() + "', not " + PROVIDER_TYPE
        : !trustsIssuer ? "trusts another issuer than " + issuer : "is disabled";
    throw ReconcileException.permanent(Reasons.IDENTITY_PROVIDER_CONFLICT, "identity provider '" + alias + "' of realm '"
        + realm + "' " + problem + "; Keymint changes only a provider it created, and leaves this one untouched (set"
        + " KEYMINT_KUBERNETES_IDP_ALIAS to another alias, or have a realm administrator fix it)");
  }

  /**
   * The provider Keymint wants: the cluster's issuer, enabled, with Keymint's mark; on an update, the
   * rest of what the provider holds stays.
   */
  static IdentityProviderRepresentation desiredProvider(IdentityProviderRepresentation existing, String alias, String issuer) {
    IdentityProviderRepresentation provider = existing != null ? existing : new IdentityProviderRepresentation();
    provider.setAlias(alias);
    provider.setProviderId(PROVIDER_TYPE);
    provider.setEnabled(true);
    Map<String, String> config = provider.getConfig() == null ? new HashMap<>() : new HashMap<>(provider.getConfig());
    config.put(ISSUER_CONFIG, issuer);
    config.put(OWNER_CONFIG, OWNER_VALUE);
    provider.setConfig(config);
    return provider;
  }

  static boolean ownedByKeymint(IdentityProviderRepresentation provider) {
    return provider.getConfig() != null && OWNER_VALUE.equals(provider.getConfig().get(OWNER_CONFIG));
  }

  /**
   * Another identity provider of the realm that already trusts the issuer: Keycloak allows one per
   * issuer for federated client authentication, so Keymint cannot create its own next to it.
   */
  static ReconcileException issuerTakenBy(List<IdentityProviderRepresentation> providers, String realm, String alias,
      String issuer) {
    return providers.stream()
        .filter(p -> !alias.equals(p.getAlias()) && p.getConfig() != null && issuer.equals(p.getConfig().get(ISSUER_CONFIG)))
        .findFirst()
        .map(p -> ReconcileException.permanent(Reasons.IDENTITY_PROVIDER_CONFLICT, "identity provider '" + p.getAlias()
            + "' of realm '" + realm + "' already trusts issuer " + issuer + ", and Keycloak allows one provider per issuer;"
            + " set KEYMINT_KUBERNETES_IDP_ALIAS=" + p.getAlias() + " to use it"))
        .orElse(null);
  }

  /**
   * Whether the realm's client authentication flow runs "Signed JWT - Federated": realms created
   * with Keycloak 26.6 or later have it in their built-in {@code clients} flow; older realms (or a
   * flow of their own) need it added as an alternative step, which no Keycloak migration does.
   */
  static boolean stepEnabled(List<AuthenticationExecutionInfoRepresentation> executions) {
    return executions.stream().anyMatch(e -> AUTHENTICATOR.equals(e.getProviderId())
        && ("ALTERNATIVE".equals(e.getRequirement()) || "REQUIRED".equals(e.getRequirement())));
  }

  /** The condition for a realm whose client authentication flow lacks the step, with what to do. */
  static ReconcileException stepMissing(String realm, String flow) {
    return ReconcileException.permanent(Reasons.FEDERATED_JWT_NOT_ENABLED, "realm '" + realm + "' does not accept"
        + " ServiceAccount tokens: its client authentication flow '" + flow + "' has no enabled step 'Signed JWT -"
        + " Federated' (federated-jwt), as realms created before Keycloak 26.6 do not; a realm administrator adds it"
        + " (Authentication, flow '" + flow + "', Add step 'Signed JWT - Federated', requirement Alternative)");
  }

  /** The clients among these that are bound to this workload and are not the one Keymint makes for {@code owner}. */
  List<String> boundElsewhere(List<ClientRepresentation> clients, String clientId, OwnerMark owner) {
    return clients.stream().filter(c -> isOn(c.getAttributes()))
        .filter(c -> !(Objects.equals(clientId, c.getClientId()) && owner.isOn(c.getAttributes())))
        .map(ClientRepresentation::getClientId).toList();
  }
}
