package io.keymint.clientapp;

import io.keymint.keycloak.ClientIds;
import io.keymint.api.Durations;
import io.keymint.api.Reasons;
import io.keymint.api.SecretTemplate;
import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.DesiredClient;
import io.keymint.keycloak.FederatedJwt;
import io.keymint.keycloak.OwnerMark;
import io.keymint.keycloak.RolePolicy;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretTemplates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A ClientApplication validated into what Keymint will do: the desired Keycloak client and the
 * output Secret. Pure: every spec and policy error that needs no Keycloak answer is found here,
 * before anything is created.
 *
 * @param serviceAccount clientAuthentication ServiceAccount: the ServiceAccount of the resource's own
 *                       namespace its client is bound to; else null
 */
public record ClientApplicationModel(
    DesiredClient client,
    String secretName,
    SecretTemplate secretTemplate,
    Duration rotationPeriod,
    Duration gracePeriod,
    KeyAlgorithm keyAlgorithm,
    boolean retain,
    boolean keptClientId,
    ServiceAccountBinding serviceAccount) {

  static final Duration MIN_ROTATION_PERIOD = Duration.ofSeconds(10);
  /** Shorter lifespans would have AppTokens on the application ask Keycloak more often than every 10 s. */
  static final Duration MIN_LIFESPAN = Duration.ofSeconds(10);
  static final Duration MAX_LIFESPAN = Duration.ofHours(24);
  static final Duration DEFAULT_GRACE_PERIOD = Duration.ofMinutes(10);

  /** PrivateKeyJwt: the client authenticates with assertions signed by a key pair Keymint generates. */
  public boolean privateKeyJwt() {
    return client.privateKeyJwt();
  }

  /** The client authenticates with its workload's ServiceAccount token: no credential exists. */
  public boolean boundToServiceAccount() {
    return serviceAccount != null;
  }

  /** A Confidential client with a credential of its own (a client secret or a key pair) that Keymint keeps and rotates. */
  public boolean hasCredential() {
    return confidential() && !boundToServiceAccount();
  }

  /** The standard keys this application's Secret holds. */
  public List<String> secretKeys() {
    return ApplicationSecret.keysOf(!confidential(), authentication());
  }

  private ClientApplicationSpec.ClientAuthentication authentication() {
    return privateKeyJwt() ? ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt
        : boundToServiceAccount() ? ClientApplicationSpec.ClientAuthentication.ServiceAccount
        : ClientApplicationSpec.ClientAuthentication.ClientSecret;
  }

  public boolean confidential() {
    return !client.publicClient();
  }

  public String realm() {
    return client.realm();
  }

  public String clientId() {
    return client.clientId();
  }

  /**
   * The model, trusting a clientId kept from before the clientId rules ({@link #keptClientId()}) until
   * Keycloak is asked: status only names it, the client's ownership mark must then prove it.
   */
  public static ClientApplicationModel from(ClientApplication app, OperatorConfig config, RolePolicy policy) {
    return from(app, config, policy, true);
  }

  /**
   * @param keepClientId whether a clientId the status names from before the clientId rules (the old
   *                     default, or a chosen one outside KEYMINT_CLIENT_ID_PATTERN) may stand; false
   *                     once Keycloak showed no client of that id with this resource's mark
   */
  public static ClientApplicationModel from(ClientApplication app, OperatorConfig config, RolePolicy policy,
      boolean keepClientId) {
    ClientApplicationSpec spec = app.getSpec() == null ? new ClientApplicationSpec() : app.getSpec();
    if (config.keycloak() == null) {
      throw ReconcileException.permanent(Reasons.KEYCLOAK_NOT_CONFIGURED,
          "this Keymint has no Keycloak to provision clients in (KEYMINT_KEYCLOAK_URL is not set)");
    }
    String realm = realmOf(app, config);
    if (!config.realmAllowed(realm)) {
      throw ReconcileException.permanent(Reasons.REALM_NOT_ALLOWED, "realm '" + realm + "' is not allowed"
          + (config.allowedRealms().isEmpty() ? " (only the default realm '" + config.keycloak().realm() + "')"
              : " (KEYMINT_ALLOWED_REALMS: " + String.join(", ", config.allowedRealms()) + ")"));
    }
    String clientId = keepClientId ? clientIdOf(app) : newClientIdOf(app);
    String namespace = app.getMetadata().getNamespace();
    boolean outsidePattern = spec.clientId != null && !ClientIds.allowed(config.clientIdPatterns(), namespace, spec.clientId);
    boolean keptClientId = keepClientId && app.getStatus() != null && clientId.equals(app.getStatus().clientId)
        && (outsidePattern || !clientId.equals(newClientIdOf(app)));
    if (outsidePattern && !keptClientId) {
      throw invalid("spec.clientId '" + spec.clientId + "' is not allowed in namespace '" + namespace + "' ("
          + ClientIds.PATTERN_SETTING + ": " + ClientIds.describe(config.clientIdPatterns(), namespace) + ")");
    }
    boolean publicClient = spec.type == ClientApplicationSpec.Type.Public;
    if (publicClient && spec.serviceAccount != null) {
      throw invalid("serviceAccount needs a Confidential client");
    }
    if (publicClient && spec.secret != null && spec.secret.rotation != null) {
      throw invalid("secret.rotation needs a Confidential client");
    }
    boolean privateKeyJwt = spec.clientAuthentication == ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
    if (publicClient && privateKeyJwt) {
      throw invalid("clientAuthentication PrivateKeyJwt needs a Confidential client");
    }
    if (spec.keyAlgorithm != null && !privateKeyJwt) {
      throw invalid("keyAlgorithm needs clientAuthentication: PrivateKeyJwt");
    }
    ServiceAccountBinding serviceAccount = serviceAccountOf(spec, namespace, publicClient, config);

    RedirectUriPolicy redirects = new RedirectUriPolicy(config.redirectUriHosts());
    for (String uri : nonNull(spec.redirectUris)) {
      refuse(Reasons.REDIRECT_URI_NOT_ALLOWED, "redirectUris", redirects.rejectRedirectUri(uri));
    }
    for (String origin : nonNull(spec.webOrigins)) {
      refuse(Reasons.REDIRECT_URI_NOT_ALLOWED, "webOrigins", redirects.rejectWebOrigin(origin));
    }
    checkClientScopes("defaultClientScopes", spec.defaultClientScopes, config);
    checkClientScopes("optionalClientScopes", spec.optionalClientScopes, config);

    SortedSet<String> realmRoles = new TreeSet<>();
    SortedMap<String, SortedSet<String>> clientRoles = new TreeMap<>();
    if (spec.serviceAccount != null) {
      for (String role : nonNull(spec.serviceAccount.realmRoles)) {
        reject(policy.rejectRealmRole(realm, role));
        realmRoles.add(role);
      }
      for (ClientApplicationSpec.ClientRoles grant : nonNull(spec.serviceAccount.clientRoles)) {
        if (grant.client == null || grant.client.isBlank()) {
          throw invalid("serviceAccount.clientRoles[].client is required");
        }
        for (String role : nonNull(grant.roles)) {
          reject(policy.rejectClientRole(realm, grant.client, role));
          clientRoles.computeIfAbsent(grant.client, c -> new TreeSet<>()).add(role);
        }
      }
    }

    Integer lifespan = null;
    if (spec.accessTokenLifespan != null) {
      Duration d = duration("accessTokenLifespan", spec.accessTokenLifespan);
      if (d.compareTo(MIN_LIFESPAN) < 0 || d.compareTo(MAX_LIFESPAN) > 0) {
        throw invalid("accessTokenLifespan must be from " + Durations.format(MIN_LIFESPAN) + " to "
            + Durations.format(MAX_LIFESPAN));
      }
      lifespan = (int) d.toSeconds();
    }
    Duration rotation = null;
    Duration grace = DEFAULT_GRACE_PERIOD;
    ClientApplicationSpec.Rotation rotationSpec = spec.secret == null ? null : spec.secret.rotation;
    if (rotationSpec != null && rotationSpec.period != null) {
      rotation = duration("secret.rotation.period", rotationSpec.period);
      if (rotation.compareTo(MIN_ROTATION_PERIOD) < 0) {
        throw invalid("secret.rotation.period must be at least " + Durations.format(MIN_ROTATION_PERIOD));
      }
    }
    if (rotationSpec != null && rotationSpec.gracePeriod != null) {
      grace = duration("secret.rotation.gracePeriod", rotationSpec.gracePeriod);
      if (rotation != null && grace.compareTo(rotation) >= 0) {
        throw invalid("secret.rotation.gracePeriod (" + Durations.format(grace) + ") must be shorter than"
            + " secret.rotation.period (" + Durations.format(rotation) + ")");
      }
    } else if (rotation != null && rotation.dividedBy(2).compareTo(grace) < 0) {
      grace = rotation.dividedBy(2); // a short period set before gracePeriod existed stays valid
    }
    SecretTemplate template = spec.secret == null ? null : spec.secret.template;
    if (template != null) { // only the keys this kind of application has
      SecretTemplates.check(template.data, ApplicationSecret.keysOf(publicClient, spec.clientAuthentication),
          ApplicationSecret.KEYS);
    }
    KeyAlgorithm keyAlgorithm = !privateKeyJwt ? null : spec.keyAlgorithm == null ? KeyAlgorithm.ES256 : spec.keyAlgorithm;
    ClientApplicationSpec.Flows flows = spec.flows == null ? new ClientApplicationSpec.Flows() : spec.flows;
    OwnerMark owner = new OwnerMark(app.getMetadata().getUid(), ClientApplication.KIND,
        app.getMetadata().getNamespace(), app.getMetadata().getName());
    DesiredClient client = new DesiredClient(realm, clientId, spec.description, publicClient,
        Boolean.TRUE.equals(flows.standard), Boolean.TRUE.equals(flows.directAccessGrants),
        sorted(spec.redirectUris), sorted(spec.webOrigins), lifespan, new TreeSet<>(nonNull(spec.roles)),
        realmRoles, clientRoles, emptyToNull(spec.defaultClientScopes), emptyToNull(spec.optionalClientScopes), owner,
        new TreeMap<>(), privateKeyJwt, serviceAccount == null ? null
            : new FederatedJwt(config.clusterIdentity().identityProviderAlias(), serviceAccount.subject()));
    return new ClientApplicationModel(client, secretNameOf(app), template, rotation, grace, keyAlgorithm,
        spec.deletionPolicy == ClientApplicationSpec.DeletionPolicy.Retain, keptClientId, serviceAccount);
  }

  /**
   * The ServiceAccount a ServiceAccount application is bound to, checked: only one of the resource's own
   * namespace (the spec names no namespace), never {@code default} unless the operator allows it; and
   * no credential to rotate. Null for other applications, which must not name one.
   */
  private static ServiceAccountBinding serviceAccountOf(ClientApplicationSpec spec, String namespace, boolean publicClient,
      OperatorConfig config) {
    if (spec.clientAuthentication != ClientApplicationSpec.ClientAuthentication.ServiceAccount) {
      if (spec.serviceAccountName != null) {
        throw invalid("serviceAccountName goes with clientAuthentication: ServiceAccount");
      }
      return null;
    }
    if (publicClient) {
      throw invalid("clientAuthentication ServiceAccount needs a Confidential client");
    }
    if (spec.secret != null && spec.secret.rotation != null) {
      throw invalid("secret.rotation: a ServiceAccount application has no credential to rotate");
    }
    return ServiceAccountBinding.of(namespace, spec.serviceAccountName, config.clusterIdentity().allowDefaultServiceAccount());
  }

  public static String realmOf(ClientApplication app, OperatorConfig config) {
    String realm = app.getSpec() == null ? null : app.getSpec().realm;
    return realm != null ? realm : config.keycloak() == null ? null : config.keycloak().realm();
  }

  /**
   * The application's clientId: its own choice, else the default. A client made before the clientId
   * rules keeps its id: the old default, or a chosen id outside KEYMINT_CLIENT_ID_PATTERN, when the
   * status names it. That id only finds the client: every Keycloak call checks the ownership mark.
   */
  public static String clientIdOf(ClientApplication app) {
    String kept = app.getStatus() == null ? null : app.getStatus().clientId;
    String chosen = app.getSpec() == null ? null : app.getSpec().clientId;
    String legacy = ClientIds.legacyApplication(app.getMetadata().getNamespace(), app.getMetadata().getName());
    return chosen != null ? chosen : legacy.equals(kept) ? legacy : newClientIdOf(app);
  }

  /** The clientId as the rules give it today: the chosen one, else the default. */
  private static String newClientIdOf(ClientApplication app) {
    String chosen = app.getSpec() == null ? null : app.getSpec().clientId;
    return chosen != null ? chosen : ClientIds.application(app.getMetadata().getNamespace(), app.getMetadata().getName());
  }

  public static String secretNameOf(ClientApplication app) {
    ClientApplicationSpec spec = app.getSpec();
    return spec != null && spec.secret != null && spec.secret.name != null ? spec.secret.name
        : app.getMetadata().getName() + "-client";
  }

  private static Duration duration(String field, String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw invalid(field + ": " + e.getMessage());
    }
  }

  private static void checkClientScopes(String field, List<String> scopes, OperatorConfig config) {
    for (String scope : nonNull(scopes)) {
      if (!config.allowedClientScopes().contains(scope)) {
        throw ReconcileException.permanent(Reasons.CLIENT_SCOPE_NOT_ALLOWED, field + ": client scope '" + scope
            + "' is not allowed (KEYMINT_ALLOWED_CLIENT_SCOPES: " + String.join(", ", config.allowedClientScopes()) + ")");
      }
    }
  }

  private static void refuse(String reason, String field, Optional<String> why) {
    if (why.isPresent()) {
      throw ReconcileException.permanent(reason, field + ": " + why.get());
    }
  }

  private static void reject(Optional<String> why) {
    if (why.isPresent()) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED, why.get());
    }
  }

  private static ReconcileException invalid(String message) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, message);
  }

  private static <T> Collection<T> nonNull(Collection<T> c) {
    return c == null ? List.of() : c;
  }

  private static List<String> sorted(List<String> list) {
    return new ArrayList<>(new TreeSet<>(nonNull(list)));
  }

  private static List<String> emptyToNull(List<String> list) {
    return list == null || list.isEmpty() ? null : sorted(list);
  }
}
