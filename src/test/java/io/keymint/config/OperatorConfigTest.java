package io.keymint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorConfigTest {

  private static final Map<String, String> KEYCLOAK = Map.of(
      "KEYMINT_KEYCLOAK_URL", "https://kc.example/",
      "KEYMINT_KEYCLOAK_REALM", "apps",
      "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint",
      "KEYMINT_KEYCLOAK_CLIENT_SECRET", "s3cr3t-value");

  @Test
  void readsTheEnvironment() {
    OperatorConfig config = OperatorConfig.load(Map.of(
        "KEYMINT_KEYCLOAK_URL", "https://kc.example/",
        "KEYMINT_KEYCLOAK_REALM", "apps",
        "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint",
        "KEYMINT_KEYCLOAK_CLIENT_SECRET", "s3cr3t-value",
        "KEYMINT_ALLOWED_REALMS", "apps, data",
        "KEYMINT_GRANTABLE_ROLES", "researcher,model-registry/*",
        "KEYMINT_WATCH_NAMESPACES", "team-a",
        "PATH", "/usr/bin"));
    assertThat(config.keycloak().url()).isEqualTo("https://kc.example");
    assertThat(config.keycloak().authRealm()).isEqualTo("master");
    assertThat(config.keycloak().usesClientCredentials()).isTrue();
    assertThat(config.allowedRealms()).containsExactly("apps", "data");
    assertThat(config.grantableRoles()).containsExactly("researcher", "model-registry/*");
    assertThat(config.watchNamespaces()).containsExactly("team-a");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.toString()).doesNotContain("s3cr3t-value");
  }

  @Test
  void flagsOverrideTheEnvironment() {
    OperatorConfig config = OperatorConfig.load(KEYCLOAK, "--keycloak-realm=data", "--allowed-realms", "data", "--leader-election");
    assertThat(config.keycloak().realm()).isEqualTo("data");
    assertThat(config.allowedRealms()).containsExactly("data");
    assertThat(config.leaderElection()).isTrue();
  }

  @Test
  void readsTheClientSecretFromAFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
    OperatorConfig config = OperatorConfig.load(Map.of(
        "KEYMINT_KEYCLOAK_URL", "https://kc.example",
        "KEYMINT_KEYCLOAK_REALM", "apps",
        "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint",
        "KEYMINT_KEYCLOAK_CLIENT_SECRET_FILE", file.toString()));
    assertThat(config.keycloak().clientSecret()).isEqualTo("from-file");
  }

  @Test
  void defaultRealmOnlyWhenNoAllowList() {
    OperatorConfig config = OperatorConfig.load(KEYCLOAK);
    assertThat(config.realmAllowed("apps")).isTrue();
    assertThat(config.realmAllowed("master")).isFalse();
  }

  @Test
  void noKeycloakIsAllowed() {
    assertThat(OperatorConfig.load(Map.of()).keycloak()).isNull();
  }

  @Test
  void tenantBoundarySettingsAndTheirDefaults() {
    OperatorConfig defaults = OperatorConfig.load(KEYCLOAK);
    assertThat(defaults.redirectUriHosts()).isEmpty();
    assertThat(defaults.allowedClientScopes()).containsExactly("basic", "profile", "email", "roles", "web-origins",
        "acr", "address", "phone", "offline_access", "microprofile-jwt", "organization");
    assertThat(defaults.leaderElectionNamespace()).isNull();
    assertThat(defaults.rolloutMinInterval()).hasMinutes(1);
    assertThat(defaults.clientIdPatterns()).containsExactly("{namespace}.*");

    OperatorConfig set = OperatorConfig.load(KEYCLOAK, "--redirect-uri-hosts=app.example.com, *.apps.example.com",
        "--allowed-client-scopes=profile,team-a-scope", "--leader-election-namespace=keymint-system",
        "--rollout-min-interval=90s", "--client-id-pattern={namespace}.*, apps-{namespace}-*");
    assertThat(set.redirectUriHosts()).containsExactly("app.example.com", "*.apps.example.com");
    assertThat(set.allowedClientScopes()).containsExactly("profile", "team-a-scope");
    assertThat(set.leaderElectionNamespace()).isEqualTo("keymint-system");
    assertThat(set.rolloutMinInterval()).hasSeconds(90);
    assertThat(set.clientIdPatterns()).containsExactly("{namespace}.*", "apps-{namespace}-*");
  }

  @Test
  void fairnessSettingsAndTheirDefaults() {
    OperatorConfig defaults = OperatorConfig.load(KEYCLOAK);
    assertThat(defaults.reconcileThreads()).isEqualTo(50); // JOSDK's own default
    assertThat(defaults.maxConcurrentPerNamespace()).isEqualTo(12); // a quarter of the threads
    assertThat(defaults.minMintInterval()).hasSeconds(10);
    assertThat(OperatorConfig.load(KEYCLOAK, "--reconcile-threads=3").maxConcurrentPerNamespace()).isEqualTo(1);
    OperatorConfig set = OperatorConfig.load(KEYCLOAK, "--reconcile-threads=8", "--max-concurrent-per-namespace=3",
        "--min-mint-interval=30s");
    assertThat(set.reconcileThreads()).isEqualTo(8);
    assertThat(set.maxConcurrentPerNamespace()).isEqualTo(3);
    assertThat(set.minMintInterval()).hasSeconds(30);
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--reconcile-threads=0"))
        .hasMessageStartingWith("KEYMINT_RECONCILE_THREADS");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--max-concurrent-per-namespace=0"))
        .hasMessageStartingWith("KEYMINT_MAX_CONCURRENT_PER_NAMESPACE");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--reconcile-threads=8", "--max-concurrent-per-namespace=9"))
        .hasMessageStartingWith("KEYMINT_MAX_CONCURRENT_PER_NAMESPACE");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--min-mint-interval=500ms"))
        .hasMessageStartingWith("KEYMINT_MIN_MINT_INTERVAL");
  }

  @Test
  void badSettingsFailWithOneLineNamingTheSetting() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KEYMINT_KEYCLOAK_URL", "https://kc", "KEYMINT_KEYCLOAK_REALM", "apps")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("KEYMINT_KEYCLOAK_CLIENT_ID");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--keycloak-url=http://kc"))
        .hasMessageContaining("KEYMINT_ALLOW_HTTP");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--keycloak-url=not a url"))
        .hasMessageStartingWith("KEYMINT_KEYCLOAK_URL");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--http-port=eighty"))
        .hasMessageContaining("KEYMINT_HTTP_PORT");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--allow-http=maybe"))
        .hasMessageContaining("KEYMINT_ALLOW_HTTP");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--grantable-roles=a/b/c"))
        .hasMessageContaining("KEYMINT_GRANTABLE_ROLES");
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KEYMINT_KEYCLOAK_URL", "https://kc",
        "KEYMINT_KEYCLOAK_CLIENT_ID", "k", "KEYMINT_KEYCLOAK_CLIENT_SECRET", "s")))
        .hasMessageContaining("KEYMINT_KEYCLOAK_REALM");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--redirect-uri-hosts=https://app.example.com"))
        .hasMessageStartingWith("KEYMINT_REDIRECT_URI_HOSTS");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--redirect-uri-hosts=*"))
        .hasMessageStartingWith("KEYMINT_REDIRECT_URI_HOSTS");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--rollout-min-interval=often"))
        .hasMessageStartingWith("KEYMINT_ROLLOUT_MIN_INTERVAL");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--client-id-pattern={name}.*"))
        .hasMessageStartingWith("KEYMINT_CLIENT_ID_PATTERN");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "stray"))
        .hasMessageContaining("unexpected argument");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--kubernetes-idp-alias=no spaces"))
        .hasMessageStartingWith("KEYMINT_KUBERNETES_IDP_ALIAS");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--kubernetes-issuer=kubernetes.default.svc"))
        .hasMessageStartingWith("KEYMINT_KUBERNETES_ISSUER");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--kubernetes-issuer=http://issuer.example"))
        .hasMessageContaining("KEYMINT_ALLOW_HTTP");
    assertThatThrownBy(() -> OperatorConfig.load(KEYCLOAK, "--allow-default-service-account=maybe"))
        .hasMessageStartingWith("KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT");
  }

  @Test
  void theClusterAsAnIdentityProviderAndItsDefaults() {
    OperatorConfig.ClusterIdentity defaults = OperatorConfig.load(KEYCLOAK).clusterIdentity();
    assertThat(defaults.identityProviderAlias()).isEqualTo("kubernetes");
    assertThat(defaults.issuer()).as("asked from the API server's discovery").isNull();
    assertThat(defaults.allowDefaultServiceAccount()).isFalse();
    OperatorConfig.ClusterIdentity set = OperatorConfig.load(KEYCLOAK, "--kubernetes-idp-alias=prod-cluster",
        "--kubernetes-issuer=https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "--allow-default-service-account=true")
        .clusterIdentity();
    assertThat(set).isEqualTo(new OperatorConfig.ClusterIdentity("prod-cluster",
        "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", true));
  }
}
