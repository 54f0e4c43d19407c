package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keymint.testing.Manifests;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The tenant roles deploy/ ships (API.md "Tenant boundary"): ClusterRoles keymint-edit and
 * keymint-view, aggregated into Kubernetes' admin, edit and view, grant the three kinds and never
 * their status or finalizers (a tenant could forge the one and block deletion with the other), no
 * wildcard, and no Secrets. Read from deploy/ as kustomize renders it, also the namespaced overlay.
 */
class TenantRolesTest {

  private static final List<String> KINDS = List.of("clientapplications", "apptokens", "platformtokens");
  private static final List<String> EDIT_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> VIEW_VERBS = List.of("get", "list", "watch");
  private static final String AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";

  @Test
  void theTenantRolesGrantTheThreeKindsAndAggregateIntoKubernetesRoles() throws Exception {
    List<ObjectNode> deploy = Manifests.render(Path.of("deploy"));
    ObjectNode edit = Manifests.find(deploy, "ClusterRole", "keymint-edit");
    ObjectNode view = Manifests.find(deploy, "ClusterRole", "keymint-view");
    assertThat(edit).as("ClusterRole keymint-edit").isNotNull();
    assertThat(view).as("ClusterRole keymint-view").isNotNull();

    assertThat(labels(edit)).containsEntry(AGGREGATE + "admin", "true").containsEntry(AGGREGATE + "edit", "true")
        .doesNotContainKey(AGGREGATE + "view");
    // aggregation is not transitive: view's rules reach edit and admin only through their own labels
    assertThat(labels(view)).containsEntry(AGGREGATE + "admin", "true").containsEntry(AGGREGATE + "edit", "true")
        .containsEntry(AGGREGATE + "view", "true");

    assertThat(Manifests.granted(edit)).isEqualTo(grants(EDIT_VERBS));
    assertThat(Manifests.granted(view)).isEqualTo(grants(VIEW_VERBS));
  }

  @Test
  void noRoleThatReachesTenantsGrantsStatusFinalizersWildcardsOrSecrets() throws Exception {
    for (String directory : List.of("deploy", "deploy/overlays/namespaced")) {
      List<ObjectNode> aggregated = Manifests.render(Path.of(directory)).stream()
          .filter(o -> labels(o).keySet().stream().anyMatch(label -> label.startsWith(AGGREGATE))).toList();
      assertThat(aggregated).as(directory + ": roles aggregated into admin, edit or view")
          .extracting(o -> o.path("kind").asText() + " " + o.at("/metadata/name").asText())
          .containsExactlyInAnyOrder("ClusterRole keymint-edit", "ClusterRole keymint-view");
      for (ObjectNode role : aggregated) {
        String name = directory + " " + role.at("/metadata/name").asText();
        for (JsonNode rule : role.path("rules")) {
          for (String field : List.of("apiGroups", "resources", "verbs")) {
            assertThat(rule.path(field)).as(name + " " + field).isNotEmpty()
                .noneMatch(value -> value.asText().contains("*"));
          }
          assertThat(rule.has("nonResourceURLs")).as(name + " nonResourceURLs").isFalse();
        }
        assertThat(Manifests.granted(role)).as(name).noneMatch(grant -> grant.endsWith("/status"))
            .noneMatch(grant -> grant.endsWith("/finalizers")).noneMatch(grant -> grant.endsWith("/secrets"));
      }
    }
  }

  @Test
  void theNamespacedOverlayKeepsTheTenantRolesAndDropsOnlyTheOperatorsClusterRole() throws Exception {
    List<ObjectNode> base = Manifests.render(Path.of("deploy"));
    List<ObjectNode> namespaced = Manifests.render(Path.of("deploy/overlays/namespaced"));
    assertThat(Manifests.find(base, "ClusterRole", "keymint")).isNotNull();
    assertThat(Manifests.find(namespaced, "ClusterRole", "keymint")).isNull();
    for (String name : List.of("keymint-edit", "keymint-view")) {
      ObjectNode role = Manifests.find(namespaced, "ClusterRole", name);
      assertThat(role).as(name).isNotNull().isEqualTo(Manifests.find(base, "ClusterRole", name));
      assertThat(role.at("/metadata/namespace").isMissingNode()).as(name + " is cluster-scoped").isTrue();
    }
  }

  private static Set<String> grants(List<String> verbs) {
    Set<String> grants = new TreeSet<>();
    for (String kind : KINDS) {
      verbs.forEach(verb -> grants.add(verb + " keymint.io/" + kind));
    }
    return grants;
  }

  private static Map<String, String> labels(JsonNode object) {
    Map<String, String> labels = new TreeMap<>();
    object.at("/metadata/labels").fields().forEachRemaining(l -> labels.put(l.getKey(), l.getValue().asText()));
    return labels;
  }
}
