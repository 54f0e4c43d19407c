package io.keymint;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.oauth.Jwt;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What broke on a real API server and a real Keycloak, performed against the realistic mock
 * (watch events late, 409 on stale writes, 422 on JSON Patches that do not apply): retries back
 * off whatever events Keymint's own status writes cause, an audience token is Ready only with its
 * whole audience, and status is never written as a diff against a cached object.
 */
@ExtendWith(KeycloakExtension.class)
class RealApiServerIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
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

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("real");
  }

  /** Issue 11, failure 1: during a 60-second outage of its token endpoint, one AppToken asks at most 7 times. */
  @Test
  void aFailingTokenEndpointIsAskedOnTheBackoffScheduleWhateverEventsArrive() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer outage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    outage.createContext("/token", exchange -> {
      requests.incrementAndGet();
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    outage.start();
    try {
      keymint.client().resource(new SecretBuilder().withNewMetadata().withName("idp").withNamespace(namespace).endMetadata()
          .addToStringData("client_id", "c").addToStringData("client_secret", "outage-client-secret").build()).create();
      KeymintFixture.SECRETS_SEEN.add("outage-client-secret");
      AppToken token = token("outage");
      token.getSpec().clientCredentials = new AppTokenSpec.ClientCredentials();
      token.getSpec().clientCredentials.tokenUrl = "http://127.0.0.1:" + outage.getAddress().getPort() + "/token";
      token.getSpec().clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
      token.getSpec().clientCredentials.secretRef.name = "idp";
      keymint.create(token);
      Instant first = await().atMost(TIMEOUT).until(() -> requests.get() > 0 ? Instant.now() : null, t -> t != null);
      await().pollDelay(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(61)).until(() -> true);
      int seen = requests.get();
      AppToken failing = keymint.get(AppToken.class, namespace, "outage");
      assertThat(failing.getStatus().condition(Condition.READY).reason).isEqualTo("IdentityProviderUnavailable");
      assertThat(seen).as("token requests in the 60 s after the first (2 s, 4 s, 8 s ... backoff)").isBetween(3, 7);
      assertThat(failing.getStatus().failedAttempts).isEqualTo(seen);
      assertThat(Duration.between(first, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(60));
    } finally {
      outage.stop(0);
    }
  }

  /**
   * Issue 11, failures 2 and 3: applications and audience tokens applied together; a token is never
   * Ready before every matching application is in its audience, and no status write is a JSON Patch.
   */
  @Test
  void audienceTokensAreReadyOnlyWithTheirWholeAudience() {
    keymint.kube().takeRequests(); // forget what came before
    for (String name : List.of("one", "two", "three")) {
      ClientApplication app = new ClientApplication();
      app.getMetadata().setName(name);
      app.getMetadata().setNamespace(namespace);
      app.getMetadata().setLabels(Map.of("group", "x"));
      app.setSpec(new ClientApplicationSpec());
      app.getSpec().roles = List.of("read");
      keymint.create(app);
    }
    for (String name : List.of("first", "second")) {
      AppToken token = token(name);
      token.getSpec().audience = new AppTokenSpec.Audience();
      token.getSpec().audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", "x").build();
      token.getSpec().audience.roles = List.of("read");
      keymint.create(token);
    }
    List<String> everyone = List.of(namespace + ".one", namespace + ".two", namespace + ".three");
    for (String name : List.of("first", "second")) {
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
        AppToken token = keymint.get(AppToken.class, namespace, name);
        Condition ready = token.getStatus() == null ? null : token.getStatus().condition(Condition.READY);
        if (ready == null || !"True".equals(ready.status)) {
          return false;
        }
        assertThat(token.getStatus().audiences).as("a Ready token holds its whole audience").containsAll(everyone);
        String accessToken = keymint.secretData(namespace, name + "-token").get("access_token");
        assertThat(Jwt.audiences(Jwt.claims(accessToken))).containsAll(everyone);
        return true;
      });
    }
    List<RecordedRequest> statusWrites = keymint.kube().takeRequests().stream()
        .filter(r -> KeymintFixture.OPERATOR_USER_AGENT.equals(r.getHeader("User-Agent")))
        .filter(r -> r.getPath().contains("/status") && !"GET".equals(r.getMethod()))
        .toList();
    assertThat(statusWrites).isNotEmpty().allSatisfy(r -> {
      assertThat(r.getMethod()).isEqualTo("PATCH");
      assertThat(r.getHeader("Content-Type")).startsWith("application/merge-patch+json");
    });
  }

  private AppToken token(String name) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new AppTokenSpec());
    return token;
  }
}
