package io.keymint.keycloak;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.text.ParseException;
import java.util.List;
import java.util.function.Supplier;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realm's side of clients bound to a workload ({@link FederatedJwt}): its client authentication
 * flow, the other clients bound to the same workload, and its identity provider for the cluster.
 * The decisions are {@link FederatedJwt}'s; this class asks Keycloak and carries them out.
 */
final class FederatedBindings {

  private static final Logger log = LoggerFactory.getLogger(FederatedBindings.class);

  private final AdminCalls admin;

  FederatedBindings(AdminCalls admin) {
    this.admin = admin;
  }

  /**
   * Checked and done before the client itself is made or changed, so that a realm that cannot take
   * the binding gets nothing: the realm's client authentication flow must run "Signed JWT - Federated"
   * (reported, never changed: realms from before Keycloak 26.6 lack it); no other client may be bound
   * to the same workload (Keycloak could not tell them apart); and the realm's identity provider for
   * the cluster must trust {@code issuer}: created with Keymint's mark when missing, brought back when
   * it is Keymint's, used as it is when a realm administrator set it up for this issuer, and otherwise
   * never touched (IdentityProviderConflict).
   */
  void ensure(RealmResource realm, DesiredClient desired, String issuer) {
    FederatedJwt binding = desired.federatedJwt();
    String flow = admin.callOnRealm("reading realm '" + desired.realm() + "'", realm::toRepresentation)
        .getClientAuthenticationFlow();
    if (flow == null || !FederatedJwt.stepEnabled(admin.callOnRealm("reading the client authentication flow '" + flow
        + "' of realm '" + desired.realm() + "'", () -> realm.flows().getExecutions(flow)))) {
      throw FederatedJwt.stepMissing(desired.realm(), flow == null ? "clients" : flow);
    }
    List<String> others = binding.boundElsewhere(admin.call("looking up the clients bound to " + binding.subject(),
        () -> realm.clients().query(FederatedJwt.ISSUER_ATTRIBUTE + ":\"" + binding.identityProvider() + "\" "
            + FederatedJwt.SUBJECT_ATTRIBUTE + ":\"" + binding.subject() + "\"")), desired.clientId(), desired.owner());
    if (!others.isEmpty()) {
      throw ReconcileException.permanent(Reasons.SERVICE_ACCOUNT_IN_USE, binding.subject() + " is already bound to"
          + " client '" + others.get(0) + "' of realm '" + desired.realm() + "'; Keycloak could not tell which client a"
          + " token of it is for: bind each application to a ServiceAccount of its own");
    }
    ensureProvider(realm, desired.realm(), binding.identityProvider(), issuer);
  }

  private void ensureProvider(RealmResource realm, String realmName, String alias, String issuer) {
    String provider = "identity provider '" + alias + "' of realm '" + realmName + "'";
    IdentityProviderRepresentation existing = providers("reading " + provider, FederatedJwt.VIEW_ROLE,
        () -> admin.callOrNull("reading " + provider, () -> realm.identityProviders().get(alias).toRepresentation()));
    switch (FederatedJwt.providerAction(existing, realmName, alias, issuer)) {
      case KEEP -> { }
      case UPDATE -> {
        providers("updating " + provider, FederatedJwt.MANAGE_ROLE, () -> {
          admin.run("updating " + provider, () -> realm.identityProviders().get(alias)
              .update(FederatedJwt.desiredProvider(existing, alias, issuer)));
          return null;
        });
        log.info("Updated identity provider {} of realm {}: issuer {}, enabled", alias, realmName, issuer);
      }
      case CREATE -> create(realm, realmName, alias, issuer, provider);
    }
  }

  private void create(RealmResource realm, String realmName, String alias, String issuer, String provider) {
    String listing = "listing the identity providers of realm '" + realmName + "'";
    ReconcileException taken = FederatedJwt.issuerTakenBy(providers(listing, FederatedJwt.VIEW_ROLE,
        () -> admin.call(listing, () -> realm.identityProviders().findAll())), realmName, alias, issuer);
    if (taken != null) {
      throw taken;
    }
    try {
      providers("creating " + provider, FederatedJwt.MANAGE_ROLE, () -> admin.call("creating " + provider, () -> {
        try (Response response = realm.identityProviders().create(FederatedJwt.desiredProvider(null, alias, issuer))) {
          if (response.getStatus() == 400) { // Keycloak's reason (an issuer it will not take) is no secret
            throw ReconcileException.permanent(Reasons.IDENTITY_PROVIDER_CONFLICT, "Keycloak refused to create "
                + provider + " for issuer " + issuer + ": " + errorMessage(response));
          }
          if (response.getStatus() >= 300) {
            throw new WebApplicationException(response.getStatus());
          }
          return null;
        }
      }));
      log.info("Created identity provider {} ({}) in realm {} for issuer {}", alias, FederatedJwt.PROVIDER_TYPE,
          realmName, issuer);
    } catch (ReconcileException e) { // made meanwhile (another Keymint process)? Decided again on what is there now
      IdentityProviderRepresentation raced = admin.callOrNull("reading " + provider,
          () -> realm.identityProviders().get(alias).toRepresentation());
      if (raced == null) {
        throw e;
      }
      FederatedJwt.providerAction(raced, realmName, alias, issuer);
    }
  }

  /** An identity provider call; a 403 names the realm-management role it needs. */
  private static <T> T providers(String operation, String role, Supplier<T> action) {
    try {
      return action.get();
    } catch (ReconcileException e) {
      if (!Reasons.FORBIDDEN.equals(e.reason())) {
        throw e;
      }
      throw ReconcileException.permanent(Reasons.FORBIDDEN, "Keycloak refused Keymint's admin credential while " + operation
          + ": ClientApplications with clientAuthentication ServiceAccount need the realm-management role " + role
          + (FederatedJwt.VIEW_ROLE.equals(role) ? " (or " + FederatedJwt.MANAGE_ROLE + ", which lets Keymint create the"
              + " provider)" : " (or a realm administrator creates the provider, and Keymint needs only "
              + FederatedJwt.VIEW_ROLE + ")"));
    }
  }

  /** Keycloak's {@code errorMessage} in an error answer, else its status. */
  private static String errorMessage(Response response) {
    try {
      Object message = JSONObjectUtils.parse(response.readEntity(String.class)).get("errorMessage");
      return message instanceof String text ? text : "HTTP " + response.getStatus();
    } catch (ParseException | RuntimeException e) {
      return "HTTP " + response.getStatus();
    }
  }
}
