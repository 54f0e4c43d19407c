package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.LintResult;
import io.keymint.config.OperatorConfig;
import io.keymint.testing.HelmChart;
import io.keymint.testing.Manifests;
import io.keymint.testing.Monitoring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/helm/keymint, through Helm's own lint and template (helm-java): it renders what deploy/ renders, every
 * value of values.yaml does something, every setting of the README's configuration table has a value, and the
 * rendered environment is a configuration Keymint accepts. HelmChartIT runs it; RbacCoverageIT checks its RBAC.
 */
class HelmChartTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path VALUES = HelmChart.CHART.resolve("values.yaml");
  /** Labels Helm charts put on everything and kustomize's deploy/ does not; they select nothing else. */
  private static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/instance",
      "app.kubernetes.io/managed-by", "app.kubernetes.io/version");

  @Test
  void helmLintFindsNothingWithTheDefaultsOrWithEveryValueChanged() throws IOException {
    for (Path values : List.of(VALUES, HelmChart.EVERY_VALUE_CHANGED)) {
      LintResult lint = HelmChart.lint(values);
      assertThat(lint.isFailed()).as("helm lint --strict with " + values + ": " + lint.getMessages()).isFalse();
      assertThat(lint.getMessages()).as(values.toString()).allMatch(message -> message.startsWith("[INFO]"));
    }
  }

  @Test
  void theDefaultsRenderWhatKustomizeRendersFromDeploy(@TempDir Path directory) throws IOException {
    // Helm does not create its release namespace (helm install --create-namespace does)
    assertThat(normalized(HelmChart.template())).isEqualTo(normalized(withoutNamespace(Manifests.render(Path.of("deploy")))));
    Path namespaced = write(directory, "namespaced.yaml", "config: {watchNamespaces: [team-a, team-b]}");
    assertThat(normalized(HelmChart.template(namespaced)))
        .isEqualTo(normalized(withoutNamespace(Manifests.render(Path.of("deploy/overlays/namespaced")))));
    Path monitored = write(directory, "monitored.yaml",
        "metrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}");
    List<ObjectNode> expected = new ArrayList<>(withoutNamespace(Manifests.render(Path.of("deploy"))));
    expected.addAll(Manifests.render(Monitoring.DIRECTORY));
    assertThat(normalized(HelmChart.template(monitored))).isEqualTo(normalized(expected));
  }

  /** Leaving a blank variable out is what Keymint does with it: the comparison above may drop blank env values. */
  @Test
  void aBlankSettingIsAnUnsetOne() {
    Map<String, String> env = Map.of("KEYMINT_HTTP_PORT", "8080");
    Map<String, String> blank = new HashMap<>(env);
    blank.put("KEYMINT_GRANTABLE_ROLES", "");
    assertThat(OperatorConfig.load(blank)).isEqualTo(OperatorConfig.load(env));
  }

  @Test
  void theTestValuesChangeEveryValueOfValuesYamlAndNameNoOther() throws IOException {
    Map<String, JsonNode> defaults = leaves(YAML.readTree(VALUES.toFile()));
    List<JsonNode> changes = List.of(YAML.readTree(HelmChart.EVERY_VALUE_CHANGED.toFile()),
        YAML.readTree(HelmChart.PASSWORD_CREDENTIAL.toFile()));
    for (JsonNode change : changes) {
      for (String path : leaves(change).keySet()) {
        assertThat(defaults.keySet()).as("a value the test values set that values.yaml does not have: " + path)
            .anyMatch(leaf -> path.equals(leaf) || path.startsWith(leaf + "/"));
      }
    }
    defaults.forEach((path, value) -> assertThat(changes)
        .as(path + " is changed by every-value-changed.yaml or password-credential.yaml")
        .anyMatch(change -> !change.at(path).isMissingNode() && !change.at(path).equals(value)));
  }

  /**
   * No value is ignored: with every value changed, setting any one of them back to its default changes what
   * Helm renders (with every-value-changed.yaml, or with password-credential.yaml on top, where it applies).
   */
  @Test
  void everyValueChangesTheRenderedObjects(@TempDir Path directory) throws IOException {
    List<Path[]> bases = List.of(new Path[] {HelmChart.EVERY_VALUE_CHANGED},
        new Path[] {HelmChart.EVERY_VALUE_CHANGED, HelmChart.PASSWORD_CREDENTIAL});
    List<List<ObjectNode>> rendered = bases.stream().map(HelmChart::template).toList();
    Map<String, JsonNode> defaults = leaves(YAML.readTree(VALUES.toFile()));
    List<String> ignored = new ArrayList<>();
    for (var leaf : defaults.entrySet()) {
      Path reverted = directory.resolve("revert.yaml");
      YAML.writeValue(reverted.toFile(), nested(leaf.getKey(), leaf.getValue()));
      boolean changes = false;
      for (int i = 0; i < bases.size() && !changes; i++) {
        Path[] files = Stream.concat(Stream.of(bases.get(i)), Stream.of(reverted)).toArray(Path[]::new);
        changes = !HelmChart.template(files).equals(rendered.get(i));
      }
      if (!changes) {
        ignored.add(leaf.getKey());
      }
    }
    assertThat(ignored).as("values whose default renders the same as the changed value").isEmpty();
  }

  /** A setting added to the README's configuration table without a chart value fails here. */
  @Test
  void everySettingOfTheReadmeConfigurationTableHasAChartValue() throws IOException {
    Set<String> documented = readmeSettings();
    assertThat(documented).contains("KEYMINT_KEYCLOAK_URL", "KEYMINT_GRANTABLE_ROLES", "KEYMINT_WATCH_NAMESPACES");
    Set<String> rendered = new TreeSet<>();
    for (Path[] values : List.of(new Path[0], new Path[] {HelmChart.EVERY_VALUE_CHANGED},
        new Path[] {HelmChart.EVERY_VALUE_CHANGED, HelmChart.PASSWORD_CREDENTIAL})) {
      deployment(HelmChart.template(values)).at("/spec/template/spec/containers/0/env")
          .forEach(env -> rendered.add(env.path("name").asText()));
    }
    for (String setting : documented) {
      assertThat(rendered).as(setting + " (or " + setting + "_FILE) in the chart's Deployment with a value set:"
          + " add a value to deploy/helm/keymint/values.yaml, its line to templates/deployment.yaml and a changed"
          + " value to " + HelmChart.EVERY_VALUE_CHANGED).containsAnyOf(setting, setting + "_FILE");
    }
    for (String variable : rendered) {
      if (variable.startsWith(OperatorConfig.PREFIX)) {
        assertThat(documented).as(variable + " is in the README's configuration table")
            .containsAnyOf(variable, variable.replaceFirst("_FILE$", ""));
      }
    }
  }

  @Test
  void theRenderedEnvironmentIsAConfigurationKeymintAccepts(@TempDir Path directory) throws IOException {
    Map<String, Map<String, String>> secrets = Map.of(
        "keymint-keycloak", Map.of("client_secret", "default-secret"),
        "sso-admin-client", Map.of("secret", "changed-secret", "admin-password", "changed-password"));
    OperatorConfig defaults = config(HelmChart.template(), secrets, directory);
    assertThat(defaults.keycloak().url()).isEqualTo("https://keycloak.example.com");
    assertThat(defaults.keycloak().clientSecret()).isEqualTo("default-secret");
    assertThat(defaults.leaderElection()).isTrue();

    OperatorConfig changed = config(HelmChart.template(HelmChart.EVERY_VALUE_CHANGED), secrets, directory);
    assertThat(changed.keycloak().clientId()).isEqualTo("keymint-operator");
    assertThat(changed.keycloak().clientSecret()).isEqualTo("changed-secret");
    assertThat(changed.grantableRoles()).containsExactly("researcher", "model-registry/*");
    assertThat(changed.watchNamespaces()).containsExactly("team-a", "team-b");
    assertThat(changed.httpPort()).isEqualTo(9090);
    assertThat(changed.leaderElection()).isFalse();
    assertThat(changed.leaderElectionNamespace()).isEqualTo("keymint-leases");

    OperatorConfig password = config(HelmChart.template(HelmChart.EVERY_VALUE_CHANGED, HelmChart.PASSWORD_CREDENTIAL),
        secrets, directory);
    assertThat(password.keycloak().username()).isEqualTo("keymint-dev");
    assertThat(password.keycloak().password()).isEqualTo("changed-password");
    assertThat(password.keycloak().clientId()).isNull();
  }

  @Test
  void theChartsCopiesAreByteForByteTheirSources() throws IOException {
    Map<Path, Path> copies = new LinkedHashMap<>();
    try (Stream<Path> crds = Files.list(Path.of("crds"))) {
      crds.sorted().forEach(crd -> copies.put(crd, HelmChart.CHART.resolve("crds").resolve(crd.getFileName())));
    }
    copies.put(Monitoring.RULES, HelmChart.CHART.resolve("files/prometheusrule.yaml"));
    copies.put(Monitoring.DASHBOARD, HelmChart.CHART.resolve("files/keymint-dashboard.json"));
    try (Stream<Path> chartCrds = Files.list(HelmChart.CHART.resolve("crds"))) {
      assertThat(chartCrds.map(Path::getFileName).map(Path::toString).sorted())
          .as("the chart's crds/ holds the CRDs of crds/ and nothing else")
          .containsExactlyElementsOf(copies.keySet().stream().filter(p -> p.startsWith("crds"))
              .map(p -> p.getFileName().toString()).sorted().toList());
    }
    copies.forEach((source, copy) -> assertThat(copy).as(copy + " is a copy of " + source
        + ": mvn -Pupdate-chart generate-resources").hasSameBinaryContentAs(source));
  }

  @Test
  void theMonitoringObjectsRenderFromTheChartsCopies(@TempDir Path directory) throws IOException {
    Path monitored = write(directory, "monitored.yaml",
        "metrics: {prometheusRule: {enabled: true}, grafanaDashboard: {enabled: true}}");
    List<ObjectNode> objects = HelmChart.template(monitored);
    assertThat(Manifests.find(objects, "PrometheusRule", HelmChart.RELEASE).path("spec"))
        .isEqualTo(Manifests.find(Manifests.render(Monitoring.DIRECTORY), "PrometheusRule", "keymint").path("spec"));
    ObjectNode dashboard = Manifests.find(objects, "ConfigMap", HelmChart.RELEASE + "-dashboard");
    assertThat(dashboard.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(new ObjectMapper().readTree(dashboard.at("/data/keymint.json").asText())).isEqualTo(Monitoring.dashboard());
  }

  /** The Argo CD Application and the Flux HelmRelease of deploy/ install this chart with values it renders. */
  @Test
  void theArgoCdApplicationAndTheFluxHelmReleaseInstallTheChart(@TempDir Path directory) throws IOException {
    ObjectNode application = Manifests.find(Manifests.parse(Files.readString(Path.of("deploy/argocd/application.yaml"))),
        "Application", "keymint");
    assertThat(application.at("/spec/source/path").asText()).isEqualTo(HelmChart.CHART.toString());
    assertThat(application.at("/spec/source/helm/releaseName").asText()).isEqualTo(HelmChart.RELEASE);
    assertThat(application.at("/spec/destination/namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    ObjectNode release = Manifests.find(Manifests.parse(Files.readString(Path.of("deploy/flux/helmrelease.yaml"))),
        "HelmRelease", "keymint");
    assertThat(release.at("/spec/chart/spec/chart").asText()).isEqualTo("./" + HelmChart.CHART);
    assertThat(release.at("/spec/releaseName").asText()).isEqualTo(HelmChart.RELEASE);
    assertThat(release.at("/spec/targetNamespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    for (JsonNode values : List.of(application.at("/spec/source/helm/valuesObject"), release.at("/spec/values"))) {
      Path file = directory.resolve("gitops-values.yaml");
      YAML.writeValue(file.toFile(), values);
      List<ObjectNode> objects = HelmChart.template(file);
      assertThat(deployment(objects).at("/spec/template/spec/containers/0/image").asText())
          .isEqualTo("registry.example.com/keymint:0.1.0");
      assertThat(Manifests.find(objects, "ServiceMonitor", HelmChart.RELEASE)).isNotNull();
      assertThat(Manifests.find(objects, "PrometheusRule", HelmChart.RELEASE)).isNotNull();
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------

  private static OperatorConfig config(List<ObjectNode> objects, Map<String, Map<String, String>> secrets, Path directory)
      throws IOException {
    return OperatorConfig.load(HelmChart.containerEnv(deployment(objects), secrets, directory));
  }

  private static ObjectNode deployment(List<ObjectNode> objects) {
    List<ObjectNode> deployments = objects.stream().filter(o -> "Deployment".equals(o.path("kind").asText())).toList();
    assertThat(deployments).hasSize(1);
    return deployments.get(0);
  }

  /** The KEYMINT_* variables named in the first column of the README's "Configuration" table. */
  static Set<String> readmeSettings() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("\n### Configuration\n");
    assertThat(start).as("README section Configuration").isPositive();
    Set<String> settings = new TreeSet<>();
    Pattern variable = Pattern.compile("`(KEYMINT_[A-Z0-9_]+)`");
    boolean table = false;
    for (String line : readme.substring(start + 1).lines().skip(1).toList()) {
      if (line.startsWith("|")) {
        table = true;
        Matcher m = variable.matcher(line.split("\\|")[1]);
        while (m.find()) {
          settings.add(m.group(1));
        }
      } else if (table || line.startsWith("#")) {
        break;
      }
    }
    return settings;
  }

  private static List<ObjectNode> withoutNamespace(List<ObjectNode> objects) {
    return objects.stream().filter(o -> !"Namespace".equals(o.path("kind").asText())).toList();
  }

  /**
   * Objects by kind, namespace and name, as compared: Helm's bookkeeping labels removed (everywhere: labels and
   * selectors), then labels left empty; container env sorted by name, blank values dropped (Keymint ignores them).
   */
  private static Map<String, JsonNode> normalized(List<ObjectNode> objects) {
    Map<String, JsonNode> byName = new TreeMap<>();
    for (ObjectNode object : objects) {
      ObjectNode copy = object.deepCopy();
      stripHelmLabels(copy);
      for (JsonNode container : copy.at("/spec/template/spec/containers")) {
        List<JsonNode> env = new ArrayList<>();
        container.path("env").forEach(env::add);
        env.removeIf(e -> e.has("value") && e.path("value").asText().isBlank());
        env.sort(Comparator.comparing(e -> e.path("name").asText()));
        ((ObjectNode) container).putArray("env").addAll(env);
      }
      String key = copy.path("kind").asText() + " " + copy.at("/metadata/namespace").asText() + "/"
          + copy.at("/metadata/name").asText();
      assertThat(byName.put(key, copy)).as("two objects " + key).isNull();
    }
    return byName;
  }

  private static void stripHelmLabels(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove(HELM_LABELS);
      for (String field : List.of("labels", "matchLabels")) {
        if (object.path(field).isObject() && object.path(field).isEmpty()) {
          object.remove(field);
        }
      }
      object.forEach(HelmChartTest::stripHelmLabels);
    } else if (node instanceof ArrayNode array) {
      array.forEach(HelmChartTest::stripHelmLabels);
    }
  }

  /** Leaf values by JSON pointer: scalars, lists and empty maps (a list is one value, as Helm merges it). */
  private static Map<String, JsonNode> leaves(JsonNode values) {
    Map<String, JsonNode> leaves = new TreeMap<>();
    collect("", values, leaves);
    return leaves;
  }

  private static void collect(String path, JsonNode node, Map<String, JsonNode> leaves) {
    if (node.isObject() && !node.isEmpty()) {
      node.fields().forEachRemaining(f -> collect(path + "/" + f.getKey().replace("~", "~0").replace("/", "~1"),
          f.getValue(), leaves));
    } else {
      leaves.put(path, node);
    }
  }

  /**
   * A values document that sets only this path to this value; an empty map as null, since Helm merges maps
   * (an empty one would keep what another values file put there) and drops a null value's key.
   */
  private static JsonNode nested(String pointer, JsonNode value) {
    if (value.isObject() && value.isEmpty()) {
      value = YAML.nullNode();
    }
    ObjectNode root = YAML.createObjectNode();
    ObjectNode at = root;
    JsonPointer p = JsonPointer.compile(pointer);
    while (!p.tail().matches()) {
      at = at.putObject(p.getMatchingProperty());
      p = p.tail();
    }
    at.set(p.getMatchingProperty(), value);
    return root;
  }

  private static Path write(Path directory, String name, String yaml) throws IOException {
    return Files.writeString(directory.resolve(name), yaml);
  }
}
