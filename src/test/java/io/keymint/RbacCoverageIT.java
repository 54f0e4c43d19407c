package io.keymint;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RolloutTarget;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.RolloutRestart;
import io.keymint.testing.HelmChart;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KubernetesIssuer;
import io.keymint.testing.Manifests;
import io.keymint.testing.TestRealm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kubernetes API call the operator makes in a scenario that exercises its code paths
 * (informers, Secrets written, restored and deleted, status, finalizers, rolloutRestart) is allowed
 * by the ClusterRole in deploy/base, by the Helm chart's ClusterRole and by the Role it renders in a
 * watched namespace, and none of them grants anything the scenario did not use except what the
 * comment in the test names.
 */
@ExtendWith(KeycloakExtension.class)
class RbacCoverageIT {

  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)(?:/([^/?]+))?(?:/([a-z]+))?(?:\\?(.*))?$");

  /**
   * Not in the ClusterRole: Kubernetes' default ClusterRoleBinding {@code system:service-account-issuer-discovery}
   * lets every ServiceAccount read the issuer's discovery document (Keymint reads it once, without
   * KEYMINT_KUBERNETES_ISSUER).
   */
  private static final String ISSUER_DISCOVERY = "get /.well-known/openid-configuration";

  @Test
  void theClusterRoleAllowsEveryCallTheOperatorMakes(TestRealm realm, @TempDir Path directory) throws Exception {
    realm.grantAdminRoles("manage-identity-providers");
    try (KubernetesIssuer cluster = KubernetesIssuer.start();
        KeymintFixture keymint = KeymintFixture.start(realm, Map.of())) {
      keymint.kube().serveServiceAccountTokens(cluster);
      String namespace = keymint.newNamespace("rbac");
      keymint.client().resource(new DeploymentBuilder().withNewMetadata().withName("consumer").withNamespace(namespace)
          .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "c").endSelector().withNewTemplate()
          .withNewMetadata().addToLabels("app", "c").endMetadata().withNewSpec().addNewContainer().withName("c")
          .withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build()).create();
      ClientApplication app = new ClientApplication();
      app.getMetadata().setName("app");
      app.getMetadata().setNamespace(namespace);
      app.getMetadata().setLabels(Map.of("group", "a"));
      app.setSpec(new ClientApplicationSpec());
      app.getSpec().roles = List.of("read");
      keymint.create(app);
      AppToken token = new AppToken();
      token.getMetadata().setName("token");
      token.getMetadata().setNamespace(namespace);
      token.getMetadata().setAnnotations(new java.util.HashMap<>());
      token.setSpec(new AppTokenSpec());
      token.getSpec().clientApplicationRef = new LocalObjectReference("app");
      RolloutTarget target = new RolloutTarget();
      target.kind = RolloutTarget.Kind.Deployment;
      target.name = "consumer";
      token.getSpec().rolloutRestart = List.of(target);
      keymint.create(token);
      keymint.awaitStatus(AppToken.class, namespace, "token", AppToken::getStatus, ready("True", "TokenIssued"));
      // an application that authenticates as its ServiceAccount, and its token: a TokenRequest
      keymint.createServiceAccount(namespace, "workload");
      keymint.createApplication(namespace, "keyless", spec -> {
        spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.ServiceAccount;
        spec.serviceAccountName = "workload";
      });
      keymint.awaitProvisioned(namespace, "keyless");
      keymint.createAppToken(namespace, "keyless-token", "keyless");
      keymint.awaitStatus(AppToken.class, namespace, "keyless-token", AppToken::getStatus, ready("True", "TokenIssued"));
      assertThat(cluster.tokenRequests()).isNotEmpty();
      keymint.edit(AppToken.class, namespace, "token", t -> t.getMetadata().getAnnotations().put("keymint.io/refresh", "1"));
      // the refreshed token restarts the consumer (once KEYMINT_MIN_MINT_INTERVAL since the first token has passed)
      await().atMost(TIMEOUT).until(() -> keymint.client().apps().deployments().inNamespace(namespace).withName("consumer")
          .get().getSpec().getTemplate().getMetadata().getAnnotations().containsKey(RolloutRestart.ANNOTATION));
      // a renamed output Secret: the old one is deleted; an edited one is restored
      keymint.edit(ClientApplication.class, namespace, "app", a -> {
        a.getSpec().secret = new ClientApplicationSpec.OutputSecret();
        a.getSpec().secret.name = "renamed";
      });
      await().atMost(TIMEOUT).until(() -> keymint.secret(namespace, "app-client") == null
          && keymint.secret(namespace, "renamed") != null);
      keymint.client().secrets().inNamespace(namespace).withName("renamed")
          .edit(s -> new SecretBuilder(s).addToData("client_id", "eA==").build());
      await().atMost(TIMEOUT).until(() -> !"x".equals(keymint.secretData(namespace, "renamed").get("client_id")));
      keymint.client().resource(keymint.get(AppToken.class, namespace, "token")).delete();
      keymint.client().resource(keymint.get(AppToken.class, namespace, "keyless-token")).delete();
      keymint.client().resource(keymint.get(ClientApplication.class, namespace, "app")).delete();
      await().atMost(TIMEOUT).until(() -> keymint.get(ClientApplication.class, namespace, "app") == null
          && keymint.get(AppToken.class, namespace, "token") == null);

      Set<String> used = new TreeSet<>();
      for (RecordedRequest request : keymint.kube().takeRequests()) {
        if (KeymintFixture.OPERATOR_USER_AGENT.equals(request.getHeader("User-Agent"))) {
          used.add(permission(request));
        }
      }
      assertThat(used).contains(ISSUER_DISCOVERY, "create /serviceaccounts/token");
      used.remove(ISSUER_DISCOVERY);
      assertThat(used).as("calls the operator made").isNotEmpty();
      // the operator's own role, by name (deploy/ and the chart also hold the tenant roles: TenantRolesTest):
      // deploy/base's ClusterRole, the chart's, and the Role the chart puts in each watched namespace
      Path namespaced = Files.writeString(directory.resolve("namespaced.yaml"), "config: {watchNamespaces: [team-a]}");
      Map<String, JsonNode> roles = new LinkedHashMap<>();
      roles.put("deploy/base ClusterRole keymint", Manifests.find(Manifests.render(Path.of("deploy/base")), "ClusterRole", "keymint"));
      roles.put("chart ClusterRole keymint", Manifests.find(HelmChart.template(), "ClusterRole", "keymint"));
      roles.put("chart Role keymint (watchNamespaces)", HelmChart.template(namespaced).stream()
          .filter(o -> o.path("kind").asText().equals("Role") && o.at("/metadata/namespace").asText().equals("team-a"))
          .findFirst().orElse(null));
      roles.forEach((what, role) -> allowsExactly(what, role, used));
    }
  }

  /** The role allows every call used, and grants nothing unused except what the comment names. */
  private static void allowsExactly(String what, JsonNode role, Set<String> used) {
    assertThat(role).as(what).isNotNull();
    Set<String> granted = Manifests.granted(role);
    List<String> missing = new ArrayList<>(used);
    missing.removeAll(granted);
    assertThat(missing).as(what + ": calls it does not allow").isEmpty();
    Set<String> unused = new TreeSet<>(granted);
    unused.removeAll(used);
    // granted but not exercised here: other kinds' equivalents of what was used, PUT forms of
    // patch, the finalizers subresource (checked by the API server's owner-reference admission,
    // not visible on the mock), rolloutRestart of StatefulSets and DaemonSets, and get on the
    // primaries (a finalizer patch that meets a conflict reads the primary again), patch on AppTokens
    // (the finalizer of audience AppTokens only; this scenario's are application tokens) and patch on
    // events (the same event again)
    unused.removeIf(p -> p.contains("platformtokens") || p.contains("statefulsets") || p.contains("daemonsets")
        || p.startsWith("update ") || p.contains("/finalizers") || p.equals("get keymint.io/apptokens") || p.equals("patch keymint.io/apptokens")
        || p.equals("get keymint.io/clientapplications") || p.equals("patch /events"));
    assertThat(unused).as(what + ": granted and never used").isEmpty();
  }

  /** {@code verb group/resource[/subresource]} of one request, as RBAC sees it. */
  private static String permission(RecordedRequest request) {
    if (request.getPath().startsWith("/.well-known/")) { // a non-resource URL
      return request.getMethod().toLowerCase(java.util.Locale.ROOT) + " " + request.getPath();
    }
    Matcher m = PATH.matcher(request.getPath());
    if (!m.matches()) {
      throw new AssertionError("unexpected API path " + request.getPath());
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(2) + (m.group(4) == null ? "" : "/" + m.group(4));
    boolean named = m.group(3) != null;
    String query = m.group(5) == null ? "" : m.group(5);
    String verb = switch (request.getMethod()) {
      case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> throw new AssertionError("unexpected method " + request.getMethod());
    };
    return verb + " " + group + "/" + resource;
  }
}
