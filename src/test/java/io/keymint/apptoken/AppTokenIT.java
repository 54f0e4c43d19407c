package io.keymint.apptoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.keymint.api.AuthMethod;
import io.keymint.api.Condition;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RolloutTarget;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.RolloutRestart;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TcpProxy;
import io.keymint.testing.TestRealm;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;

/** AppToken end to end, for each of its sources, against a real Keycloak. */
@ExtendWith(KeycloakExtension.class)
class AppTokenIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private static TcpProxy proxy;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    URI keycloak = URI.create(realm.baseUrl());
    proxy = TcpProxy.start(keycloak.getHost(), keycloak.getPort());
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher", "KEYMINT_TOKEN_URL_HOSTS", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("at");
  }

  @Test
  void applicationTokenIsTheApplicationsOwnServiceAccountToken() {
    application("scorer", Map.of("group", "a"), spec -> {
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.realmRoles = List.of("researcher");
    });
    appToken("scorer", spec -> spec.clientApplicationRef = new LocalObjectReference("scorer"));
    AppTokenStatus status = awaitIssued("scorer").getStatus();
    Map<String, String> data = keymint.secretData(namespace, "scorer-token");
    assertThat(data).containsKeys("access_token", "token_type", "expires_at").doesNotContainKey("client_secret");
    assertThat(data.get("token_type")).isEqualTo("Bearer");
    assertThat(Instant.parse(data.get("expires_at"))).isAfter(Instant.now());
    assertThat(status.expiresAt).isEqualTo(data.get("expires_at"));
    assertThat(Instant.parse(status.refreshAt)).isBefore(Instant.parse(status.expiresAt));
    assertThat(active(data.get("access_token"))).isTrue();
    Map<String, Object> claims = claims(data.get("access_token"));
    assertThat(claims.get("azp")).isEqualTo(namespace + ".scorer");
    assertThat(roles(claims)).containsExactly("researcher");
    var secret = keymint.secret(namespace, "scorer-token");
    assertThat(secret.getMetadata().getLabels()).containsEntry("keymint.io/kind", "AppToken")
        .containsEntry("keymint.io/name", "scorer").containsEntry("app.kubernetes.io/managed-by", "keymint");
  }

  @Test
  void anApplicationThatIsNotReadyYetIsWaitedFor() {
    appToken("early", spec -> spec.clientApplicationRef = new LocalObjectReference("later"));
    keymint.awaitStatus(AppToken.class, namespace, "early", AppToken::getStatus, ready("False", "ClientApplicationNotReady"));
    application("later", Map.of(), spec -> { });
    awaitIssued("early");
    assertThat(active(keymint.secretData(namespace, "early-token").get("access_token"))).isTrue();
  }

  @Test
  void shortLivedTokensAreReplacedBeforeTheyExpireAndTheSecretNeverHoldsAnExpiredOne() {
    application("short", Map.of(), spec -> spec.accessTokenLifespan = "20s");
    appToken("short", spec -> spec.clientApplicationRef = new LocalObjectReference("short"));
    awaitIssued("short");
    Set<String> seen = new HashSet<>();
    List<String> problems = new ArrayList<>();
    await().atMost(TIMEOUT.multipliedBy(2)).pollInterval(java.time.Duration.ofMillis(500)).until(() -> {
      Map<String, String> data = keymint.secretData(namespace, "short-token");
      Instant expiresAt = Instant.parse(data.get("expires_at"));
      if (!expiresAt.isAfter(Instant.now())) {
        problems.add("expired token in the Secret at " + Instant.now());
      }
      seen.add(data.get("access_token"));
      return seen.size() >= 4;
    });
    assertThat(problems).isEmpty();
    assertThat(active(keymint.secretData(namespace, "short-token").get("access_token"))).isTrue();
  }

  @Test
  void audienceTokenFollowsTheSelectedApplicationsAndTheirRoles() {
    application("billing", Map.of("group", "a"), spec -> spec.roles = List.of("read", "operate"));
    application("payments", Map.of("group", "a"), spec -> spec.roles = List.of("read", "operate"));
    application("hr", Map.of("group", "b"), spec -> spec.roles = List.of("read", "operate"));
    appToken("reader", spec -> spec.audience = audience("a", "read"));
    appToken("operator", spec -> spec.audience = audience("a", "read", "operate"));

    AppTokenStatus reader = awaitMatched("reader", 2).getStatus();
    assertThat(reader.clientId).isEqualTo(namespace + ".reader_token");
    assertThat(reader.matchedApplications).containsExactly("billing", "payments");
    Map<String, Object> claims = claims(keymint.secretData(namespace, "reader-token").get("access_token"));
    assertThat(audiences(claims)).contains(namespace + ".billing", namespace + ".payments").doesNotContain(namespace + ".hr");
    assertThat(clientRoles(claims, namespace + ".billing")).containsExactly("read");
    assertThat(clientRoles(claims, namespace + ".payments")).containsExactly("read");
    assertThat(reader.audiences).contains(namespace + ".billing", namespace + ".payments");

    awaitMatched("operator", 2);
    Map<String, Object> operatorClaims = claims(keymint.secretData(namespace, "operator-token").get("access_token"));
    assertThat(clientRoles(operatorClaims, namespace + ".billing")).containsExactlyInAnyOrder("read", "operate");

    // an application created later joins, and the next token (issued at once) carries it
    application("ledger", Map.of("group", "a"), spec -> spec.roles = List.of("read"));
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(audiences(claims(
        keymint.secretData(namespace, "reader-token").get("access_token")))).contains(namespace + ".ledger"));
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat( // the status is written after the Secret
        keymint.get(AppToken.class, namespace, "reader").getStatus().matchedApplications)
        .containsExactly("billing", "ledger", "payments"));

    // relabelled away: it leaves
    keymint.edit(ClientApplication.class, namespace, "ledger", a -> {
      a.getMetadata().getLabels().put("group", "c");
    });
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(audiences(claims(
        keymint.secretData(namespace, "reader-token").get("access_token")))).doesNotContain(namespace + ".ledger"));
  }

  @Test
  void rotatingTheDedicatedClientSecretMakesTheOldOneFail() {
    application("api", Map.of("group", "a"), spec -> spec.roles = List.of("read"));
    appToken("rotated", spec -> spec.audience = audience("a", "read"));
    AppTokenStatus status = awaitMatched("rotated", 1).getStatus();
    String oldSecret = realm.admin().clients().get(status.clientUuid).getSecret().getValue();
    KeymintFixture.SECRETS_SEEN.add(oldSecret);
    assertThat(realm.clientCredentials(status.clientId, oldSecret).status()).isEqualTo(200);
    String oldToken = keymint.secretData(namespace, "rotated-token").get("access_token");

    keymint.edit(AppToken.class, namespace, "rotated", t -> {
      t.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "1");
    });
    // which rotation the secret answered is recorded on the token Secret, where a stale cache cannot hide it
    await().atMost(TIMEOUT).until(() -> "1".equals(keymint.secret(namespace, "rotated-token").getMetadata().getAnnotations()
        .get("keymint.io/rotation-answered")));
    await().atMost(TIMEOUT).until(() -> !oldToken.equals(keymint.secretData(namespace, "rotated-token").get("access_token")));
    assertThat(realm.clientCredentials(status.clientId, oldSecret).status()).isEqualTo(401);
    assertThat(active(keymint.secretData(namespace, "rotated-token").get("access_token"))).isTrue();
  }

  @Test
  void deletingAnAudienceTokenDeletesItsDedicatedClient() {
    application("svc", Map.of("group", "a"), spec -> spec.roles = List.of("read"));
    appToken("temporary", spec -> spec.audience = audience("a", "read"));
    String clientId = awaitIssued("temporary").getStatus().clientId;
    assertThat(realm.countClients(clientId)).isEqualTo(1);
    keymint.client().resource(keymint.get(AppToken.class, namespace, "temporary")).delete();
    await().atMost(TIMEOUT).until(() -> keymint.get(AppToken.class, namespace, "temporary") == null);
    assertThat(realm.countClients(clientId)).isZero();
  }

  /**
   * A finalizer only where there is something to clean up: an application token has none (no write
   * for it, no reconcile for its event); an audience token has one until its dedicated client is gone,
   * also when it turns into an application token; one from a Keymint that put JOSDK's finalizer on every
   * AppToken loses it and is deleted as usual.
   */
  @Test
  void onlyAnAudienceTokenCarriesAFinalizerAndOnlyWhileItHasADedicatedClient() {
    application("svc", Map.of("group", "f"), spec -> spec.roles = List.of("read"));
    appToken("plain", spec -> spec.clientApplicationRef = new LocalObjectReference("svc"));
    assertThat(awaitIssued("plain").getMetadata().getFinalizers()).isNullOrEmpty();

    appToken("changing", spec -> spec.audience = audience("f", "read"));
    AppToken audience = awaitIssued("changing");
    String clientId = ((AppTokenStatus) audience.getStatus()).clientId;
    assertThat(audience.getMetadata().getFinalizers()).containsExactly(AppTokenReconciler.FINALIZER);
    assertThat(realm.countClients(clientId)).isEqualTo(1);

    keymint.edit(AppToken.class, namespace, "changing", t -> {
      t.getSpec().audience = null;
      t.getSpec().clientApplicationRef = new LocalObjectReference("svc");
    });
    AppToken application = keymint.awaitStatus(AppToken.class, namespace, "changing", AppToken::getStatus,
        s -> ((AppTokenStatus) s).clientId == null && s.isReady());
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(realm.countClients(clientId)).isZero());
    assertThat(keymint.get(AppToken.class, namespace, "changing").getMetadata().getFinalizers()).isNullOrEmpty();
    assertThat(application.getStatus().lastRefreshTime).isNotNull();

    AppToken legacy = new AppToken();
    legacy.getMetadata().setName("legacy");
    legacy.getMetadata().setNamespace(namespace);
    legacy.getMetadata().setFinalizers(List.of(AppTokenReconciler.FINALIZER));
    legacy.setSpec(new AppTokenSpec());
    legacy.getSpec().clientApplicationRef = new LocalObjectReference("svc");
    keymint.create(legacy);
    awaitIssued("legacy");
    await().atMost(TIMEOUT).until(() -> keymint.get(AppToken.class, namespace, "legacy").getMetadata().getFinalizers() == null
        || keymint.get(AppToken.class, namespace, "legacy").getMetadata().getFinalizers().isEmpty());
    keymint.client().resource(keymint.get(AppToken.class, namespace, "legacy")).delete();
    await().atMost(TIMEOUT).until(() -> keymint.get(AppToken.class, namespace, "legacy") == null);
  }

  @Test
  void externalClientCredentialsWithBothAuthMethodsAndARecoveringWrongSecret() {
    String partner = namespace + "-partner";
    String secret = createServiceAccountClient(partner);
    credentialsSecret("partner-basic", partner, secret);
    credentialsSecret("partner-post", partner, secret);
    appToken("basic", spec -> spec.clientCredentials = external(realm.tokenUrl(), "partner-basic", AuthMethod.ClientSecretBasic));
    appToken("post", spec -> spec.clientCredentials = external(realm.tokenUrl(), "partner-post", AuthMethod.ClientSecretPost));
    awaitIssued("basic");
    awaitIssued("post");
    assertThat(claims(keymint.secretData(namespace, "basic-token").get("access_token")).get("azp")).isEqualTo(partner);
    assertThat(active(keymint.secretData(namespace, "post-token").get("access_token"))).isTrue();

    credentialsSecret("partner-wrong", partner, "not-the-secret");
    appToken("wrong", spec -> spec.clientCredentials = external(realm.tokenUrl(), "partner-wrong", AuthMethod.ClientSecretBasic));
    AppToken stalled = keymint.awaitStatus(AppToken.class, namespace, "wrong", AppToken::getStatus, ready("False", "InvalidClient"));
    assertThat(stalled.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
    assertThat(stalled.getStatus().condition(Condition.READY).message).contains(partner).doesNotContain("not-the-secret");
    long requests = keymint.operator().tokens().requestCount();
    keymint.edit(AppToken.class, namespace, "wrong", t -> t.getMetadata().getLabels().put("poke", "1"));
    // a witness minted after the poke: the count grows by its one request, not by a retry of "wrong"
    appToken("witness", spec -> spec.clientCredentials = external(realm.tokenUrl(), "partner-basic", AuthMethod.ClientSecretBasic));
    awaitIssued("witness");
    assertThat(keymint.operator().tokens().requestCount()).as("a stalled token is not retried without a change")
        .isBetween(requests + 1, requests + 2);

    credentialsSecret("partner-wrong", partner, secret);
    awaitIssued("wrong");
  }

  @Test
  void disallowedEndpointsMissingSecretsAndUnknownAppsNeverStopTheOthers() {
    appToken("plain-http", spec -> spec.clientCredentials = external("ftp://idp.example/token", "none", AuthMethod.ClientSecretBasic));
    appToken("no-secret", spec -> spec.clientCredentials = external(realm.tokenUrl(), "missing", AuthMethod.ClientSecretBasic));
    appToken("no-app", spec -> spec.clientApplicationRef = new LocalObjectReference("ghost"));
    application("fine", Map.of(), spec -> { });
    appToken("fine", spec -> spec.clientApplicationRef = new LocalObjectReference("fine"));
    keymint.awaitStatus(AppToken.class, namespace, "plain-http", AppToken::getStatus, ready("False", "TokenEndpointNotAllowed"));
    AppToken noSecret = keymint.awaitStatus(AppToken.class, namespace, "no-secret", AppToken::getStatus, ready("False", "SecretNotFound"));
    assertThat(noSecret.getStatus().condition(Condition.READY).message).contains("missing");
    keymint.awaitStatus(AppToken.class, namespace, "no-app", AppToken::getStatus, ready("False", "ClientApplicationNotReady"));
    awaitIssued("fine");

    // a Secret created later is picked up (it is watched)
    credentialsSecret("missing", namespace + ".fine", keymint.secretData(namespace, "fine-client").get("client_secret"));
    awaitIssued("no-secret");
  }

  @Test
  void unreachableEndpointKeepsTheLastTokenBacksOffAndRecovers() {
    String partner = namespace + "-flaky";
    credentialsSecret("flaky", partner, createServiceAccountClient(partner));
    String viaProxy = realm.tokenUrl().replace(URI.create(realm.baseUrl()).getAuthority(), "127.0.0.1:" + proxy.port());
    appToken("flaky", spec -> spec.clientCredentials = external(viaProxy, "flaky", AuthMethod.ClientSecretBasic));
    awaitIssued("flaky");
    String token = keymint.secretData(namespace, "flaky-token").get("access_token");

    proxy.cut();
    try {
      requestRefresh("flaky", "during-outage");
      AppToken retrying = keymint.awaitStatus(AppToken.class, namespace, "flaky", AppToken::getStatus,
          s -> s.failedAttempts != null && s.failedAttempts >= 2);
      assertThat(retrying.getStatus().condition(Condition.READY).status).as("the last token is still valid").isEqualTo("True");
      assertThat(retrying.getStatus().condition(Condition.RECONCILING).reason).isEqualTo("IdentityProviderUnavailable");
      assertThat(retrying.getStatus().lastFailureTime).isNotNull();
      assertThat(keymint.secretData(namespace, "flaky-token").get("access_token")).isEqualTo(token);
    } finally {
      proxy.restore();
    }
    await().atMost(TIMEOUT).until(() -> !token.equals(keymint.secretData(namespace, "flaky-token").get("access_token")));
    AppToken recovered = awaitIssued("flaky");
    assertThat(recovered.getStatus().failedAttempts).isNull();
  }

  @Test
  void anOperatorRestartWithAFreshTokenMakesNoTokenRequest() {
    application("steady", Map.of(), spec -> { });
    appToken("steady", spec -> spec.clientApplicationRef = new LocalObjectReference("steady"));
    awaitIssued("steady");
    String token = keymint.secretData(namespace, "steady-token").get("access_token");
    keymint.stopOperator();
    keymint.startOperator();
    // a second token proves the restarted operator has reconciled; the first needed no request
    appToken("witness", spec -> spec.clientApplicationRef = new LocalObjectReference("steady"));
    awaitIssued("witness");
    assertThat(keymint.operator().tokens().requestCount()).isEqualTo(1);
    assertThat(keymint.secretData(namespace, "steady-token").get("access_token")).isEqualTo(token);
  }

  @Test
  void refreshAnnotationAndRolloutRestart() {
    keymint.client().resource(deployment("consumer")).create();
    application("fresh", Map.of(), spec -> { });
    appToken("fresh", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("fresh");
      spec.rolloutRestart = List.of(target(RolloutTarget.Kind.Deployment, "consumer"), target(RolloutTarget.Kind.StatefulSet, "gone"));
    });
    awaitIssued("fresh");
    assertThat(restartedAt("consumer")).as("the first token restarts nothing").isNull();
    String first = keymint.secretData(namespace, "fresh-token").get("access_token");
    requestRefresh("fresh", "now");
    await().atMost(TIMEOUT).until(() -> !first.equals(keymint.secretData(namespace, "fresh-token").get("access_token")));
    await().atMost(TIMEOUT).until(() -> restartedAt("consumer") != null);
    AppToken token = awaitIssued("fresh");
    assertThat(token.getStatus().lastRefreshRequest).isEqualTo("now");
    assertThat(token.getStatus().condition(Condition.READY).message).contains("StatefulSet 'gone' not found");
  }

  @Test
  void healthReadinessAndPrometheusMetricsAreServed() throws Exception {
    application("observed", Map.of(), spec -> { });
    appToken("observed", spec -> spec.clientApplicationRef = new LocalObjectReference("observed"));
    AppTokenStatus status = awaitIssued("observed").getStatus();
    String base = "http://127.0.0.1:" + keymint.operator().httpPort();
    assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(base + "/readyz").statusCode()).isEqualTo(200);
    String expiry = "keymint_token_expiration_timestamp_seconds{kind=\"AppToken\",name=\"observed\",namespace=\""
        + namespace + "\"}";
    // the gauge reads the informer cache, which sees the status a watch lag after the API server does
    java.net.http.HttpResponse<String> metrics = await().atMost(TIMEOUT).until(() -> get(base + "/metrics"),
        m -> m.statusCode() == 200 && m.body().contains(expiry + " "));
    List<String> samples = metrics.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    assertThat(samples).allMatch(l -> l.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? (-?[0-9.eE+-]+|NaN|[+-]Inf)"));
    assertThat(samples).anySatisfy(l -> {
      assertThat(l).startsWith(expiry + " ");
      assertThat(Double.parseDouble(l.substring(expiry.length() + 1)))
          .isEqualTo((double) Instant.parse(status.expiresAt).getEpochSecond());
    });
    assertThat(metrics.body())
        .contains("keymint_token_refresh_total{kind=\"AppToken\",reason=\"TokenIssued\",result=\"success\"}")
        .contains("keymint_identity_provider_requests_total{result=\"success\",target=\"token_endpoint\"}")
        .contains("keymint_identity_provider_requests_total{result=\"success\",target=\"keycloak_admin\"}")
        .contains("keymint_identity_provider_request_duration_seconds_bucket")
        .contains("operator_sdk_");
    assertThat(metrics.body()).doesNotContain(keymint.secretData(namespace, "observed-token").get("access_token"));
  }

  private static java.net.http.HttpResponse<String> get(String url) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  // --- helpers -------------------------------------------------------------------------------

  private void application(String name, Map<String, String> labels, Consumer<ClientApplicationSpec> edit) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setLabels(new HashMap<>(labels));
    ClientApplicationSpec spec = new ClientApplicationSpec();
    edit.accept(spec);
    app.setSpec(spec);
    keymint.create(app);
  }

  private void appToken(String name, Consumer<AppTokenSpec> edit) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.getMetadata().setLabels(new HashMap<>());
    token.getMetadata().setAnnotations(new HashMap<>());
    AppTokenSpec spec = new AppTokenSpec();
    edit.accept(spec);
    token.setSpec(spec);
    keymint.create(token);
  }

  private AppToken awaitIssued(String name) {
    return keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus,
        ready("True", "TokenIssued").and(s -> s.failedAttempts == null));
  }

  private AppToken awaitMatched(String name, int applications) {
    return keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus, ready("True", "TokenIssued")
        .and(s -> ((AppTokenStatus) s).matchedApplications != null
            && ((AppTokenStatus) s).matchedApplications.size() == applications));
  }

  private void requestRefresh(String name, String value) {
    keymint.edit(AppToken.class, namespace, name, t -> {
      t.getMetadata().getAnnotations().put("keymint.io/refresh", value);
    });
  }

  private static AppTokenSpec.Audience audience(String group, String... roles) {
    AppTokenSpec.Audience audience = new AppTokenSpec.Audience();
    audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", group).build();
    audience.roles = List.of(roles);
    return audience;
  }

  private static AppTokenSpec.ClientCredentials external(String tokenUrl, String secret, AuthMethod method) {
    AppTokenSpec.ClientCredentials credentials = new AppTokenSpec.ClientCredentials();
    credentials.tokenUrl = tokenUrl;
    credentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
    credentials.secretRef.name = secret;
    credentials.authMethod = method;
    return credentials;
  }

  private void credentialsSecret(String name, String clientId, String clientSecret) {
    KeymintFixture.SECRETS_SEEN.add(clientSecret);
    keymint.client().secrets().inNamespace(namespace).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .addToData("client_id", base64(clientId)).addToData("client_secret", base64(clientSecret)).build())
        .createOr(existing -> existing.update());
  }

  /** A client made directly in Keycloak, as an external identity provider's would be. */
  private static String createServiceAccountClient(String clientId) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    client.setServiceAccountsEnabled(true);
    client.setPublicClient(false);
    client.setStandardFlowEnabled(false);
    realm.admin().clients().create(client).close();
    String secret = realm.admin().clients().get(realm.findClient(clientId).getId()).getSecret().getValue();
    KeymintFixture.SECRETS_SEEN.add(secret);
    return secret;
  }

  private Deployment deployment(String name) {
    return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build();
  }

  private String restartedAt(String deployment) {
    var annotations = keymint.client().apps().deployments().inNamespace(namespace).withName(deployment).get()
        .getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(RolloutRestart.ANNOTATION);
  }

  private static RolloutTarget target(RolloutTarget.Kind kind, String name) {
    RolloutTarget target = new RolloutTarget();
    target.kind = kind;
    target.name = name;
    return target;
  }

  private static boolean active(String accessToken) {
    KeymintFixture.SECRETS_SEEN.add(accessToken);
    return Boolean.TRUE.equals(realm.introspect(realm.adminClientId(), realm.adminClientSecret(), accessToken).get("active"));
  }

  private static Map<String, Object> claims(String accessToken) {
    return io.keymint.oauth.Jwt.claims(accessToken);
  }

  @SuppressWarnings("unchecked")
  private static List<String> roles(Map<String, Object> claims) {
    Map<String, Object> access = (Map<String, Object>) claims.get("realm_access");
    return access == null ? List.of() : (List<String>) access.get("roles");
  }

  @SuppressWarnings("unchecked")
  private static List<String> clientRoles(Map<String, Object> claims, String clientId) {
    Map<String, Object> resources = (Map<String, Object>) claims.get("resource_access");
    Map<String, Object> access = resources == null ? null : (Map<String, Object>) resources.get(clientId);
    return access == null ? List.of() : (List<String>) access.get("roles");
  }

  private static List<String> audiences(Map<String, Object> claims) {
    return io.keymint.oauth.Jwt.audiences(claims);
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
