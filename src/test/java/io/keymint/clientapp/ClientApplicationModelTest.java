package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.RolePolicy;
import io.keymint.kube.ReconcileException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientApplicationModelTest {

  private static final OperatorConfig CONFIG = OperatorConfig.load(Map.of(
      "KEYMINT_KEYCLOAK_URL", "https://kc.example",
      "KEYMINT_KEYCLOAK_REALM", "apps",
      "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint",
      "KEYMINT_KEYCLOAK_CLIENT_SECRET", "x",
      "KEYMINT_ALLOWED_REALMS", "apps,data"));
  private static final RolePolicy POLICY = new RolePolicy(List.of("researcher", "model-registry/*"));

  private static ClientApplication app(ClientApplicationSpec spec) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("fraud-scorer");
    app.getMetadata().setNamespace("team-a");
    app.getMetadata().setUid("uid-1");
    app.setSpec(spec);
    return app;
  }

  @Test
  void defaultsFollowTheContract() {
    ClientApplicationModel model = ClientApplicationModel.from(app(new ClientApplicationSpec()), CONFIG, POLICY);
    assertThat(model.realm()).isEqualTo("apps");
    assertThat(model.clientId()).isEqualTo("team-a.fraud-scorer");
    assertThat(model.secretName()).isEqualTo("fraud-scorer-client");
    assertThat(model.confidential()).isTrue();
    assertThat(model.client().serviceAccount()).isTrue();
    assertThat(model.client().standardFlow()).isFalse();
    assertThat(model.client().directAccessGrants()).isFalse();
    assertThat(model.client().defaultClientScopes()).as("realm defaults untouched").isNull();
    assertThat(model.retain()).isFalse();
    assertThat(model.rotationPeriod()).isNull();
  }

  @Test
  void defaultClientIdsOfDifferentResourcesNeverMeet() {
    assertThat(ClientApplicationModel.from(app("team-a", "b-c", null), CONFIG, POLICY).clientId()).isEqualTo("team-a.b-c");
    assertThat(ClientApplicationModel.from(app("team-a-b", "c", null), CONFIG, POLICY).clientId()).isEqualTo("team-a-b.c");
  }

  @Test
  void aChosenClientIdMustMatchTheNamespacesPattern() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.clientId = "team-a.scorer";
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).clientId()).isEqualTo("team-a.scorer");
    for (String squatted : List.of("team-b.scorer", "team-a-scorer", "platform-gateway", "team-a", "xteam-a.scorer")) {
      spec.clientId = squatted;
      assertThatThrownBy(() -> ClientApplicationModel.from(app(spec), CONFIG, POLICY)).as(squatted)
          .isInstanceOfSatisfying(ReconcileException.class, e -> {
            assertThat(e.reason()).isEqualTo("InvalidSpec");
            assertThat(e.getMessage()).contains("KEYMINT_CLIENT_ID_PATTERN", "team-a.*");
          });
    }
    OperatorConfig platform = OperatorConfig.load(Map.of("KEYMINT_KEYCLOAK_URL", "https://kc.example",
        "KEYMINT_KEYCLOAK_REALM", "apps", "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint", "KEYMINT_KEYCLOAK_CLIENT_SECRET", "x",
        "KEYMINT_CLIENT_ID_PATTERN", "{namespace}.*, {namespace}-*"));
    spec.clientId = "team-a-scorer";
    assertThat(ClientApplicationModel.from(app(spec), platform, POLICY).clientId()).isEqualTo("team-a-scorer");
  }

  /** Clients made before the clientId rules keep their id; status only names it, Keycloak's mark proves it. */
  @Test
  void aClientIdFromBeforeTheRulesIsKeptOnlyUntilKeycloakDisownsIt() {
    ClientApplication legacy = app("team-a", "fraud-scorer", "team-a-fraud-scorer");
    ClientApplicationModel kept = ClientApplicationModel.from(legacy, CONFIG, POLICY);
    assertThat(kept.clientId()).isEqualTo("team-a-fraud-scorer");
    assertThat(kept.keptClientId()).isTrue();
    ClientApplicationModel disowned = ClientApplicationModel.from(legacy, CONFIG, POLICY, false);
    assertThat(disowned.clientId()).isEqualTo("team-a.fraud-scorer");
    assertThat(disowned.keptClientId()).isFalse();

    ClientApplication chosen = app("team-a", "fraud-scorer", "scorer-from-2025");
    chosen.getSpec().clientId = "scorer-from-2025";
    assertThat(ClientApplicationModel.from(chosen, CONFIG, POLICY).keptClientId()).isTrue();
    assertThatThrownBy(() -> ClientApplicationModel.from(chosen, CONFIG, POLICY, false))
        .hasMessageContaining("KEYMINT_CLIENT_ID_PATTERN");

    ClientApplication forged = app("team-a", "fraud-scorer", "team-b-victim"); // names nothing this resource may use
    assertThat(ClientApplicationModel.from(forged, CONFIG, POLICY).clientId()).isEqualTo("team-a.fraud-scorer");
    assertThat(ClientApplicationModel.from(forged, CONFIG, POLICY).keptClientId()).isFalse();
  }

  private static ClientApplication app(String namespace, String name, String statusClientId) {
    ClientApplication app = app(new ClientApplicationSpec());
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setName(name);
    if (statusClientId != null) {
      app.setStatus(new ClientApplicationStatus());
      app.getStatus().clientId = statusClientId;
    }
    return app;
  }

  @Test
  void carriesEveryField() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.realm = "data";
    spec.clientId = "team-a.custom";
    spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
    spec.serviceAccount.realmRoles = List.of("researcher");
    spec.serviceAccount.clientRoles = List.of(new ClientApplicationSpec.ClientRoles("model-registry", List.of("viewer", "editor")));
    spec.roles = List.of("read", "operate");
    spec.accessTokenLifespan = "5m";
    spec.secret = new ClientApplicationSpec.OutputSecret();
    spec.secret.name = "creds";
    spec.secret.rotation = new ClientApplicationSpec.Rotation();
    spec.secret.rotation.period = "720h";
    spec.defaultClientScopes = List.of("profile");
    spec.deletionPolicy = ClientApplicationSpec.DeletionPolicy.Retain;
    ClientApplicationModel model = ClientApplicationModel.from(app(spec), CONFIG, POLICY);
    assertThat(model.client().realmRoles()).containsExactly("researcher");
    assertThat(model.client().clientRoles()).containsOnlyKeys("model-registry");
    assertThat(model.client().clientRoles().get("model-registry")).containsExactly("editor", "viewer");
    assertThat(model.client().definedRoles()).containsExactly("operate", "read");
    assertThat(model.client().accessTokenLifespanSeconds()).isEqualTo(300);
    assertThat(model.rotationPeriod().toHours()).isEqualTo(720);
    assertThat(model.secretName()).isEqualTo("creds");
    assertThat(model.retain()).isTrue();
  }

  @Test
  void hashFollowsTheSpecAndOnlyTheSpec() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.roles = List.of("read");
    String hash = ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().hash();
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().hash()).isEqualTo(hash);
    spec.roles = List.of("read", "operate");
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().hash()).isNotEqualTo(hash);
  }

  @Test
  void refusesWhatPolicyForbids() {
    assertReason(spec -> spec.realm = "master", "RealmNotAllowed");
    assertReason(spec -> {
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.realmRoles = List.of("admin");
    }, "RoleNotAllowed");
    assertReason(spec -> {
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.clientRoles = List.of(new ClientApplicationSpec.ClientRoles("realm-management", List.of("realm-admin")));
    }, "RoleNotAllowed");
    assertReason(spec -> {
      spec.type = ClientApplicationSpec.Type.Public;
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
    }, "InvalidSpec");
    assertReason(spec -> spec.accessTokenLifespan = "soon", "InvalidSpec");
    assertReason(spec -> {
      spec.secret = new ClientApplicationSpec.OutputSecret();
      spec.secret.rotation = new ClientApplicationSpec.Rotation();
      spec.secret.rotation.period = "1s";
    }, "InvalidSpec");
  }

  /** Lifespans from 10s (AppTokens on the client then ask at most every 10 s) to 24h, never overflowing an int. */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(nullValues = "-", value = {
      "10s,                    10",
      "1h30m,                  5400",
      "24h,                    86400",
      "9s,                     -",
      "9999ms,                 -",
      "24h1s,                  -",
      "596524h,                -", // 2^31 seconds and more: no longer an int
      "99999999999999999999h,  -",
  })
  void accessTokenLifespanIsFromTenSecondsToADay(String lifespan, Integer seconds) {
    if (seconds == null) {
      assertRefused(spec -> spec.accessTokenLifespan = lifespan, CONFIG, "InvalidSpec",
          "accessTokenLifespan must be from 10s to 24h");
      return;
    }
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.accessTokenLifespan = lifespan;
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().accessTokenLifespanSeconds()).isEqualTo(seconds);
  }

  @Test
  void redirectUrisWebOriginsAndClientScopesStayInsideTheTenantBoundary() {
    assertRefused(spec -> spec.redirectUris = List.of("https://app.example.com/*", "*"), CONFIG,
        "RedirectUriNotAllowed", "redirectUris: redirect URI '*'");
    assertRefused(spec -> spec.redirectUris = List.of("/*"), CONFIG, "RedirectUriNotAllowed", "'/*'");
    assertRefused(spec -> spec.redirectUris = List.of("https://*.example.com"), CONFIG, "RedirectUriNotAllowed", "wildcard");
    assertRefused(spec -> spec.redirectUris = List.of("relative/path"), CONFIG, "RedirectUriNotAllowed", "relative/path");
    assertRefused(spec -> spec.webOrigins = List.of("*"), CONFIG, "RedirectUriNotAllowed", "webOrigins: web origin '*'");
    OperatorConfig listed = config(Map.of("KEYMINT_REDIRECT_URI_HOSTS", "*.apps.example.com"));
    assertRefused(spec -> spec.redirectUris = List.of("https://evil.example/cb"), listed, "RedirectUriNotAllowed",
        "KEYMINT_REDIRECT_URI_HOSTS");
    assertRefused(spec -> spec.webOrigins = List.of("https://evil.example"), listed, "RedirectUriNotAllowed",
        "KEYMINT_REDIRECT_URI_HOSTS");
    assertRefused(spec -> spec.defaultClientScopes = List.of("profile", "realm-admin-scope"), CONFIG,
        "ClientScopeNotAllowed", "defaultClientScopes: client scope 'realm-admin-scope'");
    assertRefused(spec -> spec.optionalClientScopes = List.of("team-b-secrets"), CONFIG,
        "ClientScopeNotAllowed", "KEYMINT_ALLOWED_CLIENT_SCOPES");
    assertRefused(spec -> spec.defaultClientScopes = List.of("email"),
        config(Map.of("KEYMINT_ALLOWED_CLIENT_SCOPES", "profile,team-a")), "ClientScopeNotAllowed", "'email'");

    ClientApplicationSpec fine = new ClientApplicationSpec();
    fine.type = ClientApplicationSpec.Type.Public;
    fine.redirectUris = List.of("https://team-a.apps.example.com/*", "https://team-a.apps.example.com/callback");
    fine.webOrigins = List.of("+", "https://team-a.apps.example.com");
    fine.defaultClientScopes = List.of("profile", "email");
    fine.optionalClientScopes = List.of("offline_access");
    ClientApplicationModel model = ClientApplicationModel.from(app(fine), listed, POLICY);
    assertThat(model.client().redirectUris()).containsExactly("https://team-a.apps.example.com/*",
        "https://team-a.apps.example.com/callback");
    assertThat(model.client().webOrigins()).containsExactly("+", "https://team-a.apps.example.com");
    ClientApplicationSpec custom = new ClientApplicationSpec();
    custom.defaultClientScopes = List.of("team-a");
    assertThat(ClientApplicationModel.from(app(custom), config(Map.of("KEYMINT_ALLOWED_CLIENT_SCOPES", "team-a")), POLICY)
        .client().defaultClientScopes()).containsExactly("team-a");
  }

  @Test
  void aServiceAccountApplicationIsBoundToAnAccountOfItsOwnNamespaceAndHoldsNoCredential() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.ServiceAccount;
    spec.serviceAccountName = "scorer";
    spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
    spec.serviceAccount.realmRoles = List.of("researcher");
    ClientApplicationModel model = ClientApplicationModel.from(app(spec), CONFIG, POLICY);
    assertThat(model.boundToServiceAccount()).isTrue();
    assertThat(model.serviceAccount()).isEqualTo(new ServiceAccountBinding("team-a", "scorer"));
    assertThat(model.client().federatedJwt())
        .isEqualTo(new io.keymint.keycloak.FederatedJwt("kubernetes", "system:serviceaccount:team-a:scorer"));
    assertThat(model.client().privateKeyJwt()).isFalse();
    assertThat(model.client().realmRoles()).containsExactly("researcher");
    assertThat(model.confidential()).isTrue();
    assertThat(model.hasCredential()).isFalse();
    assertThat(model.secretKeys()).containsExactly("client_id", "issuer_url", "token_url", "realm",
        "token_endpoint_auth_method", "audience");
    assertThat(ClientApplicationModel.from(app(spec), config(Map.of("KEYMINT_KUBERNETES_IDP_ALIAS", "prod")), POLICY)
        .client().federatedJwt().identityProvider()).isEqualTo("prod");
    assertThat(ClientApplicationModel.from(app(new ClientApplicationSpec()), CONFIG, POLICY).client().federatedJwt())
        .isNull();

    spec.serviceAccountName = "fraud-scorer";
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().hash())
        .as("another ServiceAccount, another client").isNotEqualTo(model.client().hash());
  }

  @Test
  void aServiceAccountApplicationRefusesWhatTheBoundaryForbids() {
    java.util.function.Consumer<ClientApplicationSpec> bound = s -> {
      s.clientAuthentication = ClientApplicationSpec.ClientAuthentication.ServiceAccount;
      s.serviceAccountName = "scorer";
    };
    assertRefused(bound.andThen(s -> s.serviceAccountName = "team-b:scorer"), CONFIG, "ServiceAccountNotAllowed",
        "namespace 'team-a'");
    assertRefused(bound.andThen(s -> s.serviceAccountName = "system:serviceaccount:team-b:scorer"), CONFIG,
        "ServiceAccountNotAllowed", "namespace 'team-a'");
    assertRefused(bound.andThen(s -> s.serviceAccountName = "default"), CONFIG, "ServiceAccountNotAllowed",
        "KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT");
    assertThat(ClientApplicationModel.from(app(withSpec(bound.andThen(s -> s.serviceAccountName = "default"))),
        config(Map.of("KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT", "true")), POLICY).serviceAccount().name()).isEqualTo("default");
    assertRefused(bound.andThen(s -> s.serviceAccountName = null), CONFIG, "InvalidSpec", "spec.serviceAccountName");
    assertRefused(s -> s.serviceAccountName = "scorer", CONFIG, "InvalidSpec", "goes with clientAuthentication");
    assertRefused(bound.andThen(s -> s.type = ClientApplicationSpec.Type.Public), CONFIG, "InvalidSpec", "Confidential");
    assertRefused(bound.andThen(s -> {
      s.secret = new ClientApplicationSpec.OutputSecret();
      s.secret.rotation = new ClientApplicationSpec.Rotation();
      s.secret.rotation.period = "720h";
    }), CONFIG, "InvalidSpec", "no credential to rotate");
    assertRefused(bound.andThen(s -> {
      s.secret = new ClientApplicationSpec.OutputSecret();
      s.secret.template = new io.keymint.api.SecretTemplate();
      s.secret.template.data = Map.of("env", "SECRET={{client_secret}}");
    }), CONFIG, "InvalidSpec", "client_secret");
  }

  private static ClientApplicationSpec withSpec(java.util.function.Consumer<ClientApplicationSpec> edit) {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    edit.accept(spec);
    return spec;
  }

  @Test
  void withoutKeycloakNothingIsProvisioned() {
    assertThatThrownBy(() -> ClientApplicationModel.from(app(new ClientApplicationSpec()), OperatorConfig.load(Map.of()), POLICY))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("KeycloakNotConfigured"));
  }

  private static OperatorConfig config(Map<String, String> settings) {
    Map<String, String> all = new java.util.HashMap<>(Map.of(
        "KEYMINT_KEYCLOAK_URL", "https://kc.example",
        "KEYMINT_KEYCLOAK_REALM", "apps",
        "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint",
        "KEYMINT_KEYCLOAK_CLIENT_SECRET", "x"));
    all.putAll(settings);
    return OperatorConfig.load(all);
  }

  private static void assertRefused(java.util.function.Consumer<ClientApplicationSpec> edit, OperatorConfig config,
      String reason, String messagePart) {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    edit.accept(spec);
    assertThatThrownBy(() -> ClientApplicationModel.from(app(spec), config, POLICY))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.getMessage()).contains(messagePart);
          assertThat(e.isRetryable()).isFalse();
        });
  }

  private static void assertReason(java.util.function.Consumer<ClientApplicationSpec> edit, String reason) {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    edit.accept(spec);
    assertThatThrownBy(() -> ClientApplicationModel.from(app(spec), CONFIG, POLICY))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.isRetryable()).isFalse();
        });
  }

  @Test
  void secretTemplatesNameTheSecretsKeysAndClientSecretOnlyWhenConfidential() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.secret = templated("basic", "{{client_id}}:{{client_secret}}");
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).secretTemplate().data).containsKey("basic");
    assertRefused(s -> {
      s.type = ClientApplicationSpec.Type.Public;
      s.secret = templated("basic", "{{client_id}}:{{client_secret}}");
    }, CONFIG, io.keymint.api.Reasons.INVALID_SPEC, "secret.template.data.basic: the template names 'client_secret'");
    assertRefused(s -> s.secret = templated("client_id", "x"), CONFIG, io.keymint.api.Reasons.INVALID_SPEC,
        "would replace a standard key");
  }

  @Test
  void privateKeyJwtDefaultsToEs256AndATenMinuteGracePeriod() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
    ClientApplicationModel model = ClientApplicationModel.from(app(spec), CONFIG, POLICY);
    assertThat(model.privateKeyJwt()).isTrue();
    assertThat(model.client().privateKeyJwt()).isTrue();
    assertThat(model.keyAlgorithm()).isEqualTo(ClientApplicationSpec.KeyAlgorithm.ES256);
    assertThat(model.gracePeriod()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(model.secretKeys()).containsExactlyInAnyOrder("client_id", "private_key", "key_id",
        "token_endpoint_auth_method", "issuer_url", "token_url", "realm");
    spec.keyAlgorithm = ClientApplicationSpec.KeyAlgorithm.RS256;
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).keyAlgorithm())
        .isEqualTo(ClientApplicationSpec.KeyAlgorithm.RS256);
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).client().hash())
        .as("switching the authenticator changes the client").isNotEqualTo(
            ClientApplicationModel.from(app(new ClientApplicationSpec()), CONFIG, POLICY).client().hash());
  }

  @Test
  void clientSecretApplicationsKeepTheirKeysAndHaveNoKeyAlgorithm() {
    ClientApplicationModel model = ClientApplicationModel.from(app(new ClientApplicationSpec()), CONFIG, POLICY);
    assertThat(model.privateKeyJwt()).isFalse();
    assertThat(model.keyAlgorithm()).isNull();
    assertThat(model.secretKeys()).containsExactlyInAnyOrder("client_id", "client_secret", "issuer_url", "token_url", "realm");
    ClientApplicationSpec publicSpec = new ClientApplicationSpec();
    publicSpec.type = ClientApplicationSpec.Type.Public;
    assertThat(ClientApplicationModel.from(app(publicSpec), CONFIG, POLICY).secretKeys())
        .containsExactlyInAnyOrder("client_id", "issuer_url", "token_url", "realm");
  }

  @Test
  void gracePeriodIsOptionalAndShorterThanThePeriod() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.secret = new ClientApplicationSpec.OutputSecret();
    spec.secret.rotation = new ClientApplicationSpec.Rotation();
    spec.secret.rotation.gracePeriod = "20s";
    ClientApplicationModel model = ClientApplicationModel.from(app(spec), CONFIG, POLICY);
    assertThat(model.rotationPeriod()).as("annotation-only rotation").isNull();
    assertThat(model.gracePeriod()).isEqualTo(java.time.Duration.ofSeconds(20));
    spec.secret.rotation.gracePeriod = "0s";
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).gracePeriod()).isZero();
    spec.secret.rotation.gracePeriod = null;
    spec.secret.rotation.period = "10s";
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).gracePeriod())
        .as("the default, for a period shorter than 20m: half the period").isEqualTo(java.time.Duration.ofSeconds(5));
    spec.secret.rotation.period = "720h";
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).gracePeriod()).isEqualTo(java.time.Duration.ofMinutes(10));
  }

  @Test
  void refusesPrivateKeyJwtOnPublicClientsAndMismatchedRotationSettings() {
    assertRefused(s -> {
      s.type = ClientApplicationSpec.Type.Public;
      s.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
    }, CONFIG, "InvalidSpec", "PrivateKeyJwt needs a Confidential client");
    assertRefused(s -> s.keyAlgorithm = ClientApplicationSpec.KeyAlgorithm.RS256, CONFIG, "InvalidSpec",
        "keyAlgorithm needs clientAuthentication: PrivateKeyJwt");
    assertRefused(s -> {
      s.secret = new ClientApplicationSpec.OutputSecret();
      s.secret.rotation = new ClientApplicationSpec.Rotation();
      s.secret.rotation.period = "1h";
      s.secret.rotation.gracePeriod = "1h";
    }, CONFIG, "InvalidSpec", "gracePeriod (1h) must be shorter than secret.rotation.period (1h)");
    assertRefused(s -> {
      s.secret = new ClientApplicationSpec.OutputSecret();
      s.secret.rotation = new ClientApplicationSpec.Rotation();
      s.secret.rotation.gracePeriod = "a while";
    }, CONFIG, "InvalidSpec", "secret.rotation.gracePeriod");
  }

  @Test
  void secretTemplatesOfAPrivateKeyJwtApplicationNameItsKeysNotAClientSecret() {
    ClientApplicationSpec spec = new ClientApplicationSpec();
    spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
    spec.secret = templated("kid.txt", "{{key_id}}");
    assertThat(ClientApplicationModel.from(app(spec), CONFIG, POLICY).secretTemplate().data).containsKey("kid.txt");
    assertRefused(s -> {
      s.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      s.secret = templated("basic", "{{client_id}}:{{client_secret}}");
    }, CONFIG, "InvalidSpec", "the template names 'client_secret'");
    assertRefused(s -> s.secret = templated("pem", "{{private_key}}"), CONFIG, "InvalidSpec", "'private_key'");
    assertRefused(s -> {
      s.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      s.secret = templated("key_id", "x");
    }, CONFIG, "InvalidSpec", "would replace a standard key");
  }

  private static ClientApplicationSpec.OutputSecret templated(String key, String template) {
    ClientApplicationSpec.OutputSecret secret = new ClientApplicationSpec.OutputSecret();
    secret.template = new io.keymint.api.SecretTemplate();
    secret.template.data = Map.of(key, template);
    return secret;
  }
}
