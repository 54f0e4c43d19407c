package io.keymint;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.LocalObjectReference;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.config.OperatorConfig;
import io.keymint.testing.HelmChart;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.Manifests;
import io.keymint.testing.Monitoring;
import io.keymint.testing.TestRealm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's Deployment runs: Keymint started with exactly the environment the rendered Deployment gives its
 * container (the credential read from the mounted Secret's file) provisions and refreshes against the mock API
 * and the real Keycloak. And the alerts and the dashboard watch what Keymint really exports: every metric name
 * they use is in a /metrics scrape of that Keymint once it has tokens, a refresh failure, a stalled resource and
 * a reconcile error; a second replica, which does not lead, exports what KeymintDown and KeymintNotLeading need.
 */
@ExtendWith(KeycloakExtension.class)
class HelmChartIT {

  @Test
  void theRenderedDeploymentRunsKeymintAndEveryMetricTheAlertsAndTheDashboardUseIsExported(TestRealm realm,
      @TempDir Path directory) throws Exception {
    // the values a first install against this Keycloak needs (README, "Install with Helm")
    Path values = directory.resolve("values.yaml");
    Files.writeString(values, String.join("\n",
        "keycloak:",
        "  url: " + realm.baseUrl(),
        "  realm: " + realm.name(),
        "  authRealm: " + realm.name(),
        "  clientId: " + realm.adminClientId(),
        "config:",
        "  allowHttp: true",                  // the test Keycloak speaks plain http on loopback
        "  tokenUrlHosts: [127.0.0.1]",       // and an AppToken below names its token endpoint
        "  rolloutMinInterval: 2s",           // as every Keymint of the tests (KeymintFixture)
        ""));
    ObjectNode deployment = Manifests.find(HelmChart.template(values), "Deployment", HelmChart.RELEASE);
    Map<String, String> env = new HashMap<>(HelmChart.containerEnv(deployment,
        Map.of("keymint-keycloak", Map.of("client_secret", realm.adminClientSecret())), directory));
    env.put("KEYMINT_HTTP_PORT", "0"); // the one change: several Keymints may run on this machine at once
    assertThat(env).containsKeys("KEYMINT_KEYCLOAK_CLIENT_SECRET_FILE", "KEYMINT_LEADER_ELECTION")
        .doesNotContainKey("KEYMINT_KEYCLOAK_CLIENT_SECRET");

    KeymintFixture keymint = KeymintFixture.start(realm, env);
    try {
      // the fixture's own defaults changed nothing: Keymint runs with the Deployment's settings
      assertThat(keymint.config()).isEqualTo(OperatorConfig.load(env));
      String namespace = keymint.newNamespace("chart");

      // a token (success), a token whose endpoint refuses the client (a refresh failure, stalled), and a
      // reconcile that fails (the API server refuses the ClientApplication's finalizer once)
      keymint.kube().failNext("PATCH", path -> path.contains("/clientapplications/app") && !path.contains("/status"), 500, 1);
      keymint.createApplication(namespace, "app", spec -> { });
      String clientId = keymint.awaitProvisioned(namespace, "app").getStatus().clientId;
      appToken(keymint, namespace, "token", spec -> spec.clientApplicationRef = new LocalObjectReference("app"));
      KeymintFixture.SECRETS_SEEN.add("not-the-secret");
      keymint.client().secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName("wrong")
          .endMetadata().addToData("client_id", base64(clientId)).addToData("client_secret", base64("not-the-secret"))
          .build()).create();
      appToken(keymint, namespace, "wrong", spec -> {
        spec.clientCredentials = new AppTokenSpec.ClientCredentials();
        spec.clientCredentials.tokenUrl = realm.tokenUrl();
        spec.clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
        spec.clientCredentials.secretRef.name = "wrong";
      });
      keymint.awaitStatus(AppToken.class, namespace, "token", AppToken::getStatus, ready("True", "TokenIssued"));
      keymint.awaitStatus(AppToken.class, namespace, "wrong", AppToken::getStatus,
          ready("False", "InvalidClient").and(s -> "True".equals(s.condition("Stalled").status)));

      String base = "http://127.0.0.1:" + keymint.operator().httpPort();
      // the gauges read the informer cache, which sees the statuses a watch lag after the API server does
      String body = await().atMost(TIMEOUT).until(() -> get(base + "/metrics"),
          b -> b.contains("keymint_token_valid{kind=\"AppToken\",name=\"wrong\",namespace=\"" + namespace + "\"} 0.0")
              && b.contains("keymint_token_valid{kind=\"AppToken\",name=\"token\",namespace=\"" + namespace + "\"} 1.0")
              && b.contains("operator_sdk_reconciliations_failed_total"));
      Set<String> exported = body.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
          .map(l -> l.replaceAll("[{ ].*", "")).collect(Collectors.toCollection(TreeSet::new));

      Map<String, Set<String>> used = Monitoring.metricNamesByUser();
      assertThat(used).as("alerts and dashboard panels").isNotEmpty();
      used.forEach((user, names) -> assertThat(exported).as(user + " uses metrics Keymint exports").containsAll(names));

      // KeymintDown and KeymintNotLeading rest on this: every replica exports the queue gauges and keymint_leader,
      // 1 only on the replica that holds the Lease (the rendered env has leader election on)
      KeymintOperator follower = keymint.startAnother("keymint-follower", Map.of("KEYMINT_HTTP_PORT", "0"));
      try {
        String followerBase = "http://127.0.0.1:" + follower.httpPort();
        String followers = await().atMost(TIMEOUT).until(() -> get(followerBase + "/metrics"),
            b -> b.contains("operator_sdk_events_received_total{action=\"ADDED\",event=\"ResourceEvent\",group=\"keymint.io\""));
        assertThat(followers).contains("operator_sdk_reconciliations_queue_size_apptoken{group=\"keymint.io\"")
            .contains("keymint_leader 0.0")
            .doesNotContain("operator_sdk_reconciliations_started_total").doesNotContain("keymint_token_");
        assertThat(body).contains("operator_sdk_reconciliations_started_total{group=\"keymint.io\"")
            .contains("keymint_leader 1.0");
      } finally {
        follower.close();
      }
    } finally {
      KeymintFixture.stopAndCheckLogs(keymint);
    }
  }

  private static void appToken(KeymintFixture keymint, String namespace, String name,
      java.util.function.Consumer<AppTokenSpec> edit) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new AppTokenSpec());
    edit.accept(token.getSpec());
    keymint.create(token);
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 ? response.body() : "";
  }

}
