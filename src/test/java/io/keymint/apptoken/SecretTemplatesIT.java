package io.keymint.apptoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
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
    keymint = KeymintFixture.start(realm, Map.of());
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
