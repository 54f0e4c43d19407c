package io.keymint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * deploy/helm/keymint as Helm itself renders and lints it: helm-java runs Helm's Go code in-process, so the
 * build needs no helm binary. The release is installed as {@code helm install keymint deploy/helm/keymint
 * --namespace keymint-system}, the names deploy/ uses.
 */
public final class HelmChart {

  public static final Path CHART = Path.of("deploy/helm/keymint");
  public static final String RELEASE = "keymint";
  public static final String NAMESPACE = "keymint-system";
  /** Values files that change every value of the chart's values.yaml at least once (HelmChartTest checks it). */
  public static final Path EVERY_VALUE_CHANGED = Path.of("src/test/resources/helm/every-value-changed.yaml");
  /** The rest of the changes: a password credential instead of a client's (the two exclude each other). */
  public static final Path PASSWORD_CREDENTIAL = Path.of("src/test/resources/helm/password-credential.yaml");

  private HelmChart() {}

  /** {@code helm template keymint deploy/helm/keymint -n keymint-system -f <values>...}, as objects. */
  public static List<ObjectNode> template(Path... valuesFiles) {
    var template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
    for (Path values : valuesFiles) {
      template.withValuesFile(values.toAbsolutePath());
    }
    try {
      return Manifests.parse(template.call());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The environment the Deployment's Keymint container starts with, as the kubelet would give it: plain values as
   * they are, and each {@code *_FILE} path resolved through the container's volume mounts to a Secret volume and
   * key, whose value (from {@code secrets}: Secret name to its data) is written under {@code directory}, the path
   * rewritten to that file. A {@code _FILE} that names no key of a mounted Secret fails, as the pod would.
   */
  public static Map<String, String> containerEnv(ObjectNode deployment, Map<String, Map<String, String>> secrets,
      Path directory) throws IOException {
    JsonNode pod = deployment.at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode variable : container.path("env")) {
      String name = variable.path("name").asText();
      String value = variable.path("value").asText();
      env.put(name, name.endsWith("_FILE") ? mounted(pod, container, value, secrets, directory) : value);
    }
    return env;
  }

  private static String mounted(JsonNode pod, JsonNode container, String path, Map<String, Map<String, String>> secrets,
      Path directory) throws IOException {
    for (JsonNode mount : container.path("volumeMounts")) {
      String mountPath = mount.path("mountPath").asText();
      if (!path.startsWith(mountPath + "/")) {
        continue;
      }
      String key = path.substring(mountPath.length() + 1);
      for (JsonNode volume : pod.path("volumes")) {
        if (volume.path("name").asText().equals(mount.path("name").asText())) {
          String secret = volume.at("/secret/secretName").asText();
          String value = secrets.getOrDefault(secret, Map.of()).get(key);
          if (value == null) {
            throw new AssertionError(path + ": no key " + key + " in the Secret " + secret + " mounted at " + mountPath);
          }
          Path file = Files.createDirectories(directory.resolve(secret)).resolve(key);
          Files.writeString(file, value);
          return file.toString();
        }
      }
    }
    throw new AssertionError(path + " is in no Secret volume of the pod");
  }

  /**
   * {@code helm lint --strict} of the chart with these values as its values.yaml (Helm's lint reads only the
   * chart's own values, so the chart is linted from a copy; a copy's values file must set every value).
   */
  public static LintResult lint(Path values) throws IOException {
    Path copy = Files.createTempDirectory("keymint-chart");
    try {
      Path chart = copy.resolve("keymint");
      try (Stream<Path> files = Files.walk(CHART)) {
        for (Path file : files.toList()) {
          Path target = chart.resolve(CHART.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(target);
          } else {
            Files.copy(file, target);
          }
        }
      }
      Files.copy(values, chart.resolve("values.yaml"), StandardCopyOption.REPLACE_EXISTING);
      return new Helm(chart).lint().strict().call();
    } finally {
      try (Stream<Path> files = Files.walk(copy)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
