package io.keymint.apptoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.Condition;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.SecretTemplate;
import io.keymint.api.TokenSecret;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.OutputSecrets;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** secret.template.data end to end against a real Keycloak: rendered keys follow the credentials. */
@ExtendWith(KeycloakExtension.class)
class SecretTemplatesIT {

  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm realm) {
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_TOKEN_URL_HOSTS", "127.0.0.1")); // the large tokens' endpoint
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("tpl");
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  @Test
  void anAuthorizationKeyFollowsTheTokenThroughRefreshAndIsRestoredWhenEdited() {
    application("scorer", null);
    appToken("scorer", Map.of("authorization", "Bearer {{access_token}}",
        "env", "TOKEN={{access_token}}\nEXPIRES={{expires_at}}\n"));
    awaitIssued("scorer");
    Map<String, String> data = keymint.secretData(namespace, "scorer-token");
    assertThat(data.get("authorization")).isEqualTo("Bearer " + data.get("access_token"));
    assertThat(data.get("env")).isEqualTo("TOKEN=" + data.get("access_token") + "\nEXPIRES=" + data.get("expires_at") + "\n");
    assertThat(keymint.secret(namespace, "scorer-token").getMetadata().getAnnotations())
        .containsEntry(OutputSecrets.TEMPLATE_KEYS, "authorization,env");

    String first = data.get("access_token");
    keymint.edit(AppToken.class, namespace, "scorer", t -> t.getMetadata().getAnnotations().put("keymint.io/refresh", "1"));
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> now = keymint.secretData(namespace, "scorer-token");
      assertThat(now.get("access_token")).isNotEqualTo(first);
      assertThat(now.get("authorization")).isEqualTo("Bearer " + now.get("access_token"));
    });

    // someone edits the rendered key: Keymint puts it back
    var secret = keymint.secret(namespace, "scorer-token");
    keymint.client().secrets().inNamespace(namespace).resource(new SecretBuilder(secret)
        .addToData("authorization", Base64.getEncoder().encodeToString("Bearer edited".getBytes())).build()).update();
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> now = keymint.secretData(namespace, "scorer-token");
      assertThat(now.get("authorization")).isEqualTo("Bearer " + now.get("access_token"));
    });
  }

  @Test
  void aChangedTemplateIsRenderedAgainWithTheSameTokenAndARemovedKeyGoes() {
    application("scorer", null);
    appToken("scorer", Map.of("authorization", "Bearer {{access_token}}"));
    awaitIssued("scorer");
    String token = keymint.secretData(namespace, "scorer-token").get("access_token");
    keymint.edit(AppToken.class, namespace, "scorer",
        t -> t.getSpec().secret.template.data = Map.of("header", "Authorization: {{token_type}} {{access_token}}"));
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> now = keymint.secretData(namespace, "scorer-token");
      assertThat(now).doesNotContainKey("authorization")
          .containsEntry("header", "Authorization: Bearer " + token).containsEntry("access_token", token);
      assertThat(keymint.secret(namespace, "scorer-token").getMetadata().getAnnotations())
          .containsEntry(OutputSecrets.TEMPLATE_KEYS, "header");
    });
    awaitIssued("scorer");
    assertThat(keymint.secretData(namespace, "scorer-token").get("access_token")).as("no new token").isEqualTo(token);
  }

  @Test
  void aTemplateNamingAnUnknownKeyStallsOnlyItsOwnToken() {
    application("api", null);
    appToken("good", Map.of("authorization", "Bearer {{access_token}}"));
    appToken("bad", Map.of("authorization", "Bearer {{nope}}"));
    AppToken bad = keymint.awaitStatus(AppToken.class, namespace, "bad", AppToken::getStatus, ready("False", "InvalidSpec"));
    Condition stalled = bad.getStatus().condition(Condition.STALLED);
    assertThat(stalled.status).isEqualTo("True");
    assertThat(stalled.reason).isEqualTo("InvalidSpec");
    assertThat(stalled.message).contains("secret.template.data.authorization").contains("'nope'");
    assertThat(keymint.secret(namespace, "bad-token")).as("nothing was requested or written").isNull();
    awaitIssued("good");
    assertThat(keymint.secretData(namespace, "good-token")).containsKey("authorization");

    // fixed: it recovers
    keymint.edit(AppToken.class, namespace, "bad",
        t -> t.getSpec().secret.template.data = Map.of("authorization", "Bearer {{access_token}}"));
    awaitIssued("bad");
    Map<String, String> fixed = keymint.secretData(namespace, "bad-token");
    assertThat(fixed.get("authorization")).isEqualTo("Bearer " + fixed.get("access_token"));
  }

  @Test
  void aClientApplicationTemplateOverItsCredentials() {
    application("billing", Map.of("basic", "{{client_id}}:{{client_secret}}",
        "env", "CLIENT_ID={{client_id}}\nTOKEN_URL={{token_url}}\n"));
    keymint.awaitStatus(ClientApplication.class, namespace, "billing", ClientApplication::getStatus, ready("True", "Provisioned"));
    Map<String, String> data = keymint.secretData(namespace, "billing-client");
    assertThat(data).containsKeys("client_id", "client_secret", "issuer_url", "token_url", "realm");
    assertThat(data.get("basic")).isEqualTo(data.get("client_id") + ":" + data.get("client_secret"));
    assertThat(data.get("env")).isEqualTo("CLIENT_ID=" + data.get("client_id") + "\nTOKEN_URL=" + data.get("token_url") + "\n");
  }

  /**
   * Issue 16: a template that would render about 50 MiB (500 times {{access_token}} over a 100 KiB
   * token from an external endpoint; at -Xmx384m that was an OutOfMemoryError) is InvalidSpec naming
   * its key, with one token request and nothing rendered or written, and a token too large for any
   * Secret is InvalidTokenResponse; meanwhile the namespace's other AppToken keeps being refreshed.
   * (That refusing allocates next to nothing is measured in SecretTemplatesTest.)
   */
  @Test
  void anAmplifyingTemplateIsRefusedBeforeRenderingAndAnotherTokenKeepsRefreshing() throws Exception {
    Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext("/token/", exchange -> { // /token/<characters of the access token>
      int size = Integer.parseInt(exchange.getRequestURI().getPath().substring("/token/".length()));
      requests.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      String prefix = "large-" + UUID.randomUUID();
      KeymintFixture.SECRETS_SEEN.add(prefix);
      byte[] body = ("{\"access_token\":\"" + prefix + "x".repeat(size - prefix.length())
          + "\",\"token_type\":\"Bearer\",\"expires_in\":300}").getBytes(StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    idp.start();
    try {
      keymint.client().resource(new SecretBuilder().withNewMetadata().withName("idp").withNamespace(namespace).endMetadata()
          .addToStringData("client_id", "c").addToStringData("client_secret", "large-tokens-client-secret").build()).create();
      KeymintFixture.SECRETS_SEEN.add("large-tokens-client-secret");
      String base = "http://127.0.0.1:" + idp.getAddress().getPort() + "/token/";
      ClientApplication shortLived = new ClientApplication();
      shortLived.getMetadata().setName("api");
      shortLived.getMetadata().setNamespace(namespace);
      shortLived.setSpec(new ClientApplicationSpec());
      shortLived.getSpec().accessTokenLifespan = "20s"; // refreshed about every 13 s
      keymint.create(shortLived);
      appToken("steady", Map.of("authorization", "Bearer {{access_token}}"));
      externalToken("amplified", base + 100 * 1024, Map.of("amplified", "{{access_token}}".repeat(500))); // 8,000 characters
      externalToken("oversized", base + 700_000, null);

      AppToken amplified = keymint.awaitStatus(AppToken.class, namespace, "amplified", AppToken::getStatus,
          ready("False", "InvalidSpec"));
      assertThat(amplified.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
      assertThat(amplified.getStatus().condition(Condition.READY).message)
          .startsWith("secret.template.data.amplified: the template would render 49 MiB").doesNotContain("large-");
      AppToken oversized = keymint.awaitStatus(AppToken.class, namespace, "oversized", AppToken::getStatus,
          ready("False", "InvalidTokenResponse"));
      assertThat(oversized.getStatus().condition(Condition.READY).message)
          .contains("too large for a Secret (access_token 684 KiB)").doesNotContain("large-");

      // the steady token is replaced twice more while the others stay refused, and the process lives on
      Set<String> seen = new HashSet<>();
      await().atMost(TIMEOUT).pollInterval(java.time.Duration.ofMillis(500)).untilAsserted(() -> {
        Map<String, String> data = keymint.secretData(namespace, "steady-token");
        assertThat(data).isNotNull();
        assertThat(data.get("authorization")).isEqualTo("Bearer " + data.get("access_token"));
        seen.add(data.get("access_token"));
        assertThat(seen).hasSizeGreaterThanOrEqualTo(3);
      });
      assertThat(keymint.secret(namespace, "amplified-token")).as("nothing written").isNull();
      assertThat(keymint.secret(namespace, "oversized-token")).isNull();
      assertThat(requests.get("/token/" + 100 * 1024)).as("stalled: asked once, never again").hasValue(1);
      assertThat(keymint.get(AppToken.class, namespace, "amplified").getStatus().condition(Condition.READY).reason)
          .isEqualTo("InvalidSpec");
    } finally {
      idp.stop(0);
    }
  }

  private void externalToken(String name, String tokenUrl, Map<String, String> templates) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    AppTokenSpec spec = new AppTokenSpec();
    spec.clientCredentials = new AppTokenSpec.ClientCredentials();
    spec.clientCredentials.tokenUrl = tokenUrl;
    spec.clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
    spec.clientCredentials.secretRef.name = "idp";
    if (templates != null) {
      spec.secret = new TokenSecret();
      spec.secret.template = template(templates);
    }
    token.setSpec(spec);
    keymint.create(token);
  }

  private void application(String name, Map<String, String> templates) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    ClientApplicationSpec spec = new ClientApplicationSpec();
    if (templates != null) {
      spec.secret = new ClientApplicationSpec.OutputSecret();
      spec.secret.template = template(templates);
    }
    app.setSpec(spec);
    keymint.create(app);
  }

  private void appToken(String name, Map<String, String> templates) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.getMetadata().setAnnotations(new HashMap<>());
    AppTokenSpec spec = new AppTokenSpec();
    spec.clientApplicationRef = new LocalObjectReference(name.equals("scorer") ? "scorer" : "api");
    spec.secret = new TokenSecret();
    spec.secret.template = template(templates);
    token.setSpec(spec);
    keymint.create(token);
  }

  private static SecretTemplate template(Map<String, String> data) {
    SecretTemplate template = new SecretTemplate();
    template.data = data;
    return template;
  }

  private AppToken awaitIssued(String name) {
    return keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus,
        ready("True", "TokenIssued").and(s -> s.failedAttempts == null));
  }
}
