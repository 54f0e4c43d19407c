package io.keymint.clientapp;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.util.regex.Pattern;

/**
 * The Kubernetes ServiceAccount a ClientApplication ({@code clientAuthentication: ServiceAccount})
 * authenticates as: always one of the resource's own namespace, named by
 * {@code spec.serviceAccountName} alone. Pure; what a tenant wrote is checked here before Keycloak
 * or the API server sees it, by the ClientApplication and by every AppToken that mints with it.
 *
 * @param namespace the resource's own namespace, never one the tenant wrote
 * @param name      the ServiceAccount's name in that namespace
 */
public record ServiceAccountBinding(String namespace, String name) {

  /** The ServiceAccount every namespace has, which every Pod without its own runs as. */
  public static final String DEFAULT = "default";
  /** The setting that lets {@link #DEFAULT} be bound. */
  public static final String ALLOW_DEFAULT_SETTING = "KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT";
  /** A ServiceAccount's name: a DNS subdomain (RFC 1123), as kube-apiserver validates it. */
  static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  static final int MAX_NAME_LENGTH = 253;
  private static final String SUBJECT_PREFIX = "system:serviceaccount:";

  /**
   * The binding of a resource of {@code namespace} to the ServiceAccount {@code serviceAccountName}.
   *
   * @throws ReconcileException InvalidSpec for a missing or malformed name, ServiceAccountNotAllowed for
   *     {@code default} (unless allowed) or for anything that tries to name another namespace's account
   */
  public static ServiceAccountBinding of(String namespace, String serviceAccountName, boolean allowDefault) {
    if (serviceAccountName == null || serviceAccountName.isBlank()) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC,
          "clientAuthentication ServiceAccount needs spec.serviceAccountName: a ServiceAccount of namespace '"
              + namespace + "'");
    }
    if (serviceAccountName.contains(":") || serviceAccountName.contains("/")) {
      throw ReconcileException.permanent(Reasons.SERVICE_ACCOUNT_NOT_ALLOWED, "spec.serviceAccountName '"
          + serviceAccountName + "' is not a ServiceAccount name: only a ServiceAccount of this resource's own"
          + " namespace '" + namespace + "' can be bound, by its name alone");
    }
    if (serviceAccountName.length() > MAX_NAME_LENGTH || !NAME.matcher(serviceAccountName).matches()) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "spec.serviceAccountName '" + serviceAccountName
          + "' is not a ServiceAccount name (lowercase letters, digits, '-' and '.', at most " + MAX_NAME_LENGTH + ")");
    }
    if (DEFAULT.equals(serviceAccountName) && !allowDefault) {
      throw ReconcileException.permanent(Reasons.SERVICE_ACCOUNT_NOT_ALLOWED, "ServiceAccount 'default' is not bound:"
          + " every Pod of namespace '" + namespace + "' without a ServiceAccount of its own runs as it; create one for"
          + " this application (or set " + ALLOW_DEFAULT_SETTING + "=true)");
    }
    return new ServiceAccountBinding(namespace, serviceAccountName);
  }

  /** The {@code sub} of this ServiceAccount's tokens: {@code system:serviceaccount:<namespace>:<name>}. */
  public String subject() {
    return SUBJECT_PREFIX + namespace + ":" + name;
  }

  /** {@code namespace/name}, for messages. */
  public String describe() {
    return namespace + "/" + name;
  }
}
