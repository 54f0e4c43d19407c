package io.keymint.platformtoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.Condition;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.SecretKeyReference;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.testing.IamStandIn;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.TestRealm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import org.keycloak.representations.idm.RealmRepresentation;

/** PlatformToken end to end: every grant against a real Keycloak, the API key against an IAM stand-in. */
@ExtendWith(KeycloakExtension.class)
class PlatformTokenIT {

  static TestRealm realm;
  static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_TOKEN_URL_HOSTS", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("pt");
  }

  @Test
  void anOfflineTokenIsTurnedIntoFreshAccessTokens() {
    String user = user("alice");
    publicApplication("platform-public");
    String offline = offlineToken("platform-public", user);
    userSecret("alice-offline", Map.of("token", offline));
    platformToken("h2o", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("platform-public");
      spec.grant = refreshTokenGrant("alice-offline", "token");
      spec.refresh = percentage(90); // short refresh cycles for the test
    });
    PlatformToken issued = awaitIssued("h2o");
    assertThat(keymint.secretData(namespace, "h2o-token").keySet())
        .as("id_token because the offline token was issued with scope openid; never the long-lived credential")
        .containsExactlyInAnyOrder("access_token", "token_type", "expires_at", "scope", "id_token");
    Set<String> seen = new HashSet<>();
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
      Map<String, String> data = keymint.secretData(namespace, "h2o-token");
      assertThat(Instant.parse(data.get("expires_at"))).isAfter(Instant.now());
      seen.add(data.get("access_token"));
      return seen.size() >= 3;
    });
    String latest = keymint.secretData(namespace, "h2o-token").get("access_token");
    assertThat(active(latest)).isTrue();
    assertThat(io.keymint.oauth.Jwt.claims(latest).get("preferred_username")).isEqualTo("alice");
    PlatformTokenStatus status = keymint.get(PlatformToken.class, namespace, "h2o").getStatus();
    assertThat(status.credentialRotatedAt).as("Keycloak returns a new refresh token with every refresh").isNotNull();
    var state = keymint.secret(namespace, "h2o-keymint-state");
    assertThat(state.getMetadata().getLabels()).containsEntry("keymint.io/kind", "PlatformToken");
    assertThat(state.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo(issued.getMetadata().getUid()));
    assertThat(keymint.secretData(namespace, "alice-offline").get("token")).as("the user's Secret is never written")
        .isEqualTo(offline);
  }

  @Test
  void aRevokedOfflineSessionStallsWithInvalidGrantUntilANewTokenArrives() {
    String carol = user("carol");
    String dave = user("dave");
    publicApplication("revocable");
    userSecret("carol-offline", Map.of("token", offlineToken("revocable", carol)));
    userSecret("dave-offline", Map.of("token", offlineToken("revocable", dave)));
    platformToken("carol", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("revocable");
      spec.grant = refreshTokenGrant("carol-offline", "token");
    });
    platformToken("dave", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("revocable");
      spec.grant = refreshTokenGrant("dave-offline", "token");
    });
    awaitIssued("carol");
    awaitIssued("dave");

    String userId = realm.admin().users().search("carol").get(0).getId();
    realm.admin().users().get(userId).revokeConsent(namespace + ".revocable");
    requestRefresh("carol", "after-revoke");
    PlatformToken stalled = keymint.awaitStatus(PlatformToken.class, namespace, "carol", PlatformToken::getStatus,
        ready("False", "InvalidGrant"));
    assertThat(stalled.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
    assertThat(stalled.getStatus().condition(Condition.READY).message).contains("Secret 'carol-offline'").contains("'token'");
    long requests = keymint.operator().tokens().requestCount();

    requestRefresh("dave", "still-fine");
    await().atMost(TIMEOUT).until(() -> "still-fine".equals(
        keymint.get(PlatformToken.class, namespace, "dave").getStatus().lastRefreshRequest));
    awaitIssued("dave");
    assertThat(keymint.operator().tokens().requestCount()).as("dave's refresh, perhaps a scheduled one; none for carol")
        .isBetween(requests + 1, requests + 2);

    userSecret("carol-offline", Map.of("token", offlineToken("revocable", carol)));
    awaitIssued("carol");
    assertThat(active(keymint.secretData(namespace, "carol-token").get("access_token"))).isTrue();
  }

  @Test
  void aPasswordGrantFallsBackToThePasswordWhenTheSessionEnds() {
    user("erin");
    confidentialApplication("sdk");
    userSecret("erin-login", Map.of("username", "erin", "password", password("erin")));
    platformToken("wallaroo", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("sdk");
      spec.grant = new PlatformTokenSpec.Grant();
      spec.grant.password = new PlatformTokenSpec.PasswordGrant();
      spec.grant.password.secretRef = new PlatformTokenSpec.PasswordSecretRef();
      spec.grant.password.secretRef.name = "erin-login";
    });
    awaitIssued("wallaroo");
    String before = keymint.secretData(namespace, "wallaroo-token").get("access_token");

    String userId = realm.admin().users().search("erin").get(0).getId();
    realm.admin().users().get(userId).logout(); // ends the session the kept refresh token belongs to
    requestRefresh("wallaroo", "after-logout");
    await().atMost(TIMEOUT).until(() -> !before.equals(keymint.secretData(namespace, "wallaroo-token").get("access_token")));
    PlatformToken token = awaitIssued("wallaroo");
    assertThat(token.getStatus().condition(Condition.STALLED).status).isEqualTo("False");
    assertThat(active(keymint.secretData(namespace, "wallaroo-token").get("access_token"))).isTrue();
  }

  @Test
  void aConfidentialClientThroughClientSecretRef() {
    user("frank");
    confidentialApplication("explicit");
    userSecret("frank-login", Map.of("user", "frank", "pass", password("frank")));
    platformToken("explicit", spec -> {
      spec.tokenUrl = realm.tokenUrl();
      spec.clientId = namespace + ".explicit";
      spec.clientSecretRef = new PlatformTokenSpec.ClientSecretRef("explicit-client", "client_secret");
      spec.authMethod = io.keymint.api.AuthMethod.ClientSecretPost;
      spec.grant = new PlatformTokenSpec.Grant();
      spec.grant.password = new PlatformTokenSpec.PasswordGrant();
      spec.grant.password.secretRef = new PlatformTokenSpec.PasswordSecretRef();
      spec.grant.password.secretRef.name = "frank-login";
      spec.grant.password.secretRef.usernameKey = "user";
      spec.grant.password.secretRef.passwordKey = "pass";
      spec.scopes = List.of("openid");
    });
    awaitIssued("explicit");
    Map<String, String> data = keymint.secretData(namespace, "explicit-token");
    assertThat(data).containsKey("id_token");
    assertThat(io.keymint.oauth.Jwt.claims(data.get("access_token")).get("azp")).isEqualTo(namespace + ".explicit");
  }

  @Test
  void anApiKeyIsExchangedAtAnIamEndpointAndAWrongKeyIsReportedClearly() throws Exception {
    String key = "ibm-" + java.util.UUID.randomUUID();
    KeymintFixture.SECRETS_SEEN.add(key);
    try (IamStandIn iam = IamStandIn.start(key, 20)) {
      userSecret("ibm-key", Map.of("apikey", key));
      userSecret("ibm-wrong", Map.of("apikey", "wrong-key-value"));
      platformToken("watsonx", spec -> apiKeySpec(spec, iam.tokenUrl(), "ibm-key"));
      platformToken("wrong", spec -> apiKeySpec(spec, iam.tokenUrl(), "ibm-wrong"));
      awaitIssued("watsonx");
      Set<String> seen = new HashSet<>();
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
        Map<String, String> data = keymint.secretData(namespace, "watsonx-token");
        assertThat(Instant.parse(data.get("expires_at"))).isAfter(Instant.now());
        seen.add(data.get("access_token"));
        return seen.size() >= 3;
      });
      assertThat(keymint.secretData(namespace, "watsonx-token")).containsEntry("token_type", "Bearer")
          .containsEntry("scope", "ibm openid");
      assertThat(keymint.secret(namespace, "watsonx-keymint-state")).as("API keys need no state").isNull();
      PlatformToken wrong = keymint.awaitStatus(PlatformToken.class, namespace, "wrong", PlatformToken::getStatus,
          ready("False", "InvalidGrant"));
      assertThat(wrong.getStatus().condition(Condition.READY).message).contains("API key in Secret 'ibm-wrong'")
          .contains("HTTP 400").doesNotContain("wrong-key-value");
    }
  }

  @Test
  void rotatedRefreshTokensArePresentedOnceEvenThroughAnOperatorRestart() {
    TestRealm rotating = rotatingRealm();
    try {
      String offline = rotatingPlatformToken(rotating, "hank", "rotating");
      awaitIssued("rotating");
      awaitDistinctTokensWhileReady("rotating", 4);
      String rotatedAt = keymint.get(PlatformToken.class, namespace, "rotating").getStatus().credentialRotatedAt;
      assertThat(rotatedAt).isNotNull();

      keymint.stopOperator();
      keymint.startOperator();
      awaitDistinctTokensWhileReady("rotating", 3);
      assertThat(keymint.get(PlatformToken.class, namespace, "rotating").getStatus().credentialRotatedAt)
          .isGreaterThan(rotatedAt);
      assertThat(keymint.secretData(namespace, "hank-offline").get("token")).isEqualTo(offline);
    } finally {
      rotating.admin().remove();
    }
  }

  /**
   * Two Keymint processes serving one cluster (leader election off, or a handover): a refresh token
   * that works once is still presented once. Had both presented it, Keycloak would have revoked the
   * offline session and the token would have stalled with InvalidGrant.
   */
  @Test
  void twoOperatorsPresentARotatingRefreshTokenOnceBetweenThem() {
    TestRealm rotating = rotatingRealm();
    try (io.keymint.KeymintOperator second = keymint.startAnother("second-keymint", Map.of())) {
      rotatingPlatformToken(rotating, "ivan", "shared");
      awaitIssued("shared");
      awaitDistinctTokensWhileReady("shared", 5);
      String userId = rotating.admin().users().search("ivan", true).get(0).getId();
      String cli = rotating.findClient("cli").getId();
      assertThat(rotating.admin().users().get(userId).getOfflineSessions(cli)).as("the offline session survives").hasSize(1);
    } finally {
      rotating.admin().remove();
    }
  }

  /**
   * The API server refuses the write that keeps a new refresh token once (500), then accepts:
   * Keymint writes it again at once and never presents a spent refresh token, so the user's session
   * survives. (The operator's test client retries nothing itself, so the refusal reaches Keymint.)
   */
  @Test
  void aRefusedWriteOfTheNewRefreshTokenLosesNoRotation() {
    TestRealm rotating = rotatingRealm();
    try {
      rotatingPlatformToken(rotating, "judy", "refused");
      awaitIssued("refused");
      // the next refresh writes the state Secret twice: the lock, then the new refresh token; refuse the second
      java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
      var refused = keymint.kube().failNext(r -> "PATCH".equals(r.getMethod())
          && r.getPath().endsWith("/secrets/refused-keymint-state") && writes.incrementAndGet() == 2, 500, 1);
      await().atMost(TIMEOUT).until(() -> refused.remaining() == 0);
      awaitDistinctTokensWhileReady("refused", 4);
      String userId = rotating.admin().users().search("judy", true).get(0).getId();
      assertThat(rotating.admin().users().get(userId).getOfflineSessions(rotating.findClient("cli").getId()))
          .as("no refresh token was presented twice").hasSize(1);
    } finally {
      keymint.kube().clearFaults();
      rotating.admin().remove();
    }
  }

  /** A realm whose refresh tokens work once (Keycloak rotates them) and whose access tokens live 20 s. */
  private static TestRealm rotatingRealm() {
    TestRealm rotating = KeycloakExtension.createRealm(KeycloakServer.shared(), PlatformTokenIT.class);
    RealmRepresentation settings = rotating.admin().toRepresentation();
    settings.setRevokeRefreshToken(true); // a refresh token works once
    settings.setRefreshTokenMaxReuse(0);
    settings.setAccessTokenLifespan(20);
    rotating.admin().update(settings);
    ClientRepresentation cli = new ClientRepresentation();
    cli.setClientId("cli");
    cli.setPublicClient(true);
    cli.setDirectAccessGrantsEnabled(true);
    rotating.admin().clients().create(cli).close();
    return rotating;
  }

  /** The user's offline token in "<user>-offline" and a PlatformToken on it; returns the offline token. */
  private String rotatingPlatformToken(TestRealm rotating, String user, String name) {
    rotating.createUser(user);
    var login = rotating.password("cli", null, user, password(user), "openid offline_access");
    KeymintFixture.SECRETS_SEEN.add(login.refreshToken());
    userSecret(user + "-offline", Map.of("token", login.refreshToken()));
    platformToken(name, spec -> {
      spec.tokenUrl = rotating.tokenUrl();
      spec.clientId = "cli";
      spec.grant = refreshTokenGrant(user + "-offline", "token");
      spec.refresh = percentage(90);
    });
    return login.refreshToken();
  }

  /** Samples the token Secret until it has held n different tokens, none expired, Ready all along. */
  private void awaitDistinctTokensWhileReady(String name, int n) {
    Set<String> seen = new HashSet<>();
    await().atMost(TIMEOUT.multipliedBy(2)).pollInterval(Duration.ofMillis(300)).until(() -> {
      PlatformTokenStatus status = keymint.get(PlatformToken.class, namespace, name).getStatus();
      assertThat(status.condition(Condition.READY).status).as(status.condition(Condition.READY).message).isEqualTo("True");
      Map<String, String> data = keymint.secretData(namespace, name + "-token");
      assertThat(Instant.parse(data.get("expires_at"))).isAfter(Instant.now());
      seen.add(data.get("access_token"));
      return seen.size() >= n;
    });
  }

  @Test
  void aMissingUserSecretIsReportedAndFollowed() {
    publicApplication("later");
    platformToken("waiting", spec -> {
      spec.clientApplicationRef = new LocalObjectReference("later");
      spec.grant = refreshTokenGrant("not-yet", "token");
    });
    keymint.awaitStatus(PlatformToken.class, namespace, "waiting", PlatformToken::getStatus, ready("False", "SecretNotFound"));
    userSecret("not-yet", Map.of("token", offlineToken("later", user("gina"))));
    awaitIssued("waiting");
  }

  // --- helpers -------------------------------------------------------------------------------

  static String password(String user) {
    return TestRealm.passwordOf(user);
  }

  /** A user with a password and a complete profile (so password grants need no required action). */
  static String user(String username) {
    return realm.createUser(username);
  }

  /** An offline token, obtained the way the README tells users to: a password grant with offline_access. */
  String offlineToken(String application, String username) {
    var result = realm.password(namespace + "." + application, null, username, password(username), "openid offline_access");
    assertThat(result.status()).as("offline token for " + username).isEqualTo(200);
    KeymintFixture.SECRETS_SEEN.add(result.refreshToken());
    return result.refreshToken();
  }

  void publicApplication(String name) {
    application(name, ClientApplicationSpec.Type.Public);
  }

  void confidentialApplication(String name) {
    application(name, ClientApplicationSpec.Type.Confidential);
  }

  private void application(String name, ClientApplicationSpec.Type type) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.setSpec(new ClientApplicationSpec());
    app.getSpec().type = type;
    app.getSpec().accessTokenLifespan = "20s";
    app.getSpec().flows = new ClientApplicationSpec.Flows();
    app.getSpec().flows.directAccessGrants = true;
    keymint.create(app);
    keymint.awaitStatus(ClientApplication.class, namespace, name, ClientApplication::getStatus, ready("True", "Provisioned"));
  }

  void userSecret(String name, Map<String, String> values) {
    SecretBuilder secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
    values.forEach((k, v) -> secret.addToData(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    keymint.client().secrets().inNamespace(namespace).resource(secret.build()).createOr(existing -> existing.update());
  }

  void platformToken(String name, Consumer<PlatformTokenSpec> edit) {
    PlatformToken token = new PlatformToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.getMetadata().setAnnotations(new HashMap<>());
    token.setSpec(new PlatformTokenSpec());
    edit.accept(token.getSpec());
    keymint.create(token);
  }

  PlatformToken awaitIssued(String name) {
    return keymint.awaitStatus(PlatformToken.class, namespace, name, PlatformToken::getStatus,
        ready("True", "TokenIssued").and(s -> s.failedAttempts == null));
  }

  void requestRefresh(String name, String value) {
    keymint.edit(PlatformToken.class, namespace, name, t -> t.getMetadata().getAnnotations().put("keymint.io/refresh", value));
  }

  static PlatformTokenSpec.Grant refreshTokenGrant(String secret, String key) {
    PlatformTokenSpec.Grant grant = new PlatformTokenSpec.Grant();
    grant.refreshToken = new PlatformTokenSpec.RefreshTokenGrant();
    grant.refreshToken.secretRef = new SecretKeyReference(secret, key);
    return grant;
  }

  static RefreshPolicy percentage(int percent) {
    RefreshPolicy policy = new RefreshPolicy();
    policy.beforeExpiryPercentage = percent;
    return policy;
  }

  private static void apiKeySpec(PlatformTokenSpec spec, String tokenUrl, String secret) {
    spec.tokenUrl = tokenUrl;
    spec.clientId = "bx";
    spec.grant = new PlatformTokenSpec.Grant();
    spec.grant.apiKey = new PlatformTokenSpec.ApiKeyGrant();
    spec.grant.apiKey.secretRef = new SecretKeyReference(secret, "apikey");
    spec.refresh = percentage(90);
  }

  static boolean active(String accessToken) {
    KeymintFixture.SECRETS_SEEN.add(accessToken);
    return Boolean.TRUE.equals(realm.introspect(realm.adminClientId(), realm.adminClientSecret(), accessToken).get("active"));
  }
}
