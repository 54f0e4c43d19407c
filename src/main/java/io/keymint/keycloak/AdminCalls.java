package io.keymint.keycloak;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.util.function.Supplier;

/**
 * Runs Keycloak admin operations and turns whatever goes wrong into a contract reason and a
 * message that names the operation, never a secret.
 */
final class AdminCalls {

  private final String baseUrl;

  AdminCalls(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  /**
   * Runs one admin operation on something inside a realm (a client, its roles, secret or keys);
   * every failure leaves as a {@link ReconcileException}. A 404 here means that the object was
   * removed while Keymint worked on it (someone deleted the client): tried again, which creates it
   * anew.
   */
  <T> T call(String operation, Supplier<T> action) {
    return call(operation, action, false);
  }

  /** Like {@link #call} for an operation on the realm itself (a lookup or listing): a 404 means the realm is missing. */
  <T> T callOnRealm(String operation, Supplier<T> action) {
    return call(operation, action, true);
  }

  private <T> T call(String operation, Supplier<T> action, boolean onRealm) {
    try {
      return action.get();
    } catch (WebApplicationException e) {
      throw classify(operation, e.getResponse() == null ? 0 : e.getResponse().getStatus(), onRealm);
    } catch (ProcessingException e) {
      if (e.getCause() instanceof WebApplicationException w) { // the admin credential's own token request
        throw classify(operation + " (obtaining Keymint's admin token)", w.getResponse().getStatus(), onRealm);
      }
      throw ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "Keycloak at " + baseUrl + " is unreachable while " + operation + " (" + rootCause(e).getClass().getSimpleName() + ")");
    }
  }

  /** Like {@link #call}, but a 404 is an answer (null), not a failure. */
  <T> T callOrNull(String operation, Supplier<T> action) {
    return call(operation, () -> {
      try {
        return action.get();
      } catch (NotFoundException e) {
        return null;
      }
    });
  }

  /** Like {@link #call} for an operation without a result. */
  void run(String operation, Runnable action) {
    call(operation, () -> {
      action.run();
      return null;
    });
  }

  private ReconcileException classify(String operation, int status, boolean onRealm) {
    if (status == 401 || status == 403) {
      return ReconcileException.permanent(Reasons.FORBIDDEN, "Keycloak refused Keymint's admin credential while "
          + operation + " (HTTP " + status + "); its service account needs the realm-management roles "
          + String.join(", ", KeycloakGateway.REQUIRED_ADMIN_ROLES));
    }
    if (status == 404 && onRealm) {
      return ReconcileException.permanent(Reasons.REALM_NOT_FOUND, "Keycloak answered 404 while " + operation
          + ": does the realm exist?");
    }
    if (status == 404) {
      return ReconcileException.retryable(Reasons.CLIENT_NOT_FOUND, "Keycloak answered 404 while " + operation
          + ": it was removed meanwhile; trying again");
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
}
