package io.keymint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * deploy/ as {@code kubectl kustomize} renders it, with no kustomize binary (the build needs only
 * Java and Maven), and what an RBAC role in it grants. Only what deploy/ uses is supported:
 * {@code resources} (files and directories), {@code namespace} (set on namespaced objects), and
 * {@code patches} on a kind and an exact name, either {@code $patch: delete} or a JSON 6902 patch.
 * Anything else fails, so a new kustomize feature in deploy/ is never ignored silently.
 */
public final class Manifests {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> CLUSTER_SCOPED =
      Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition");
  private static final Set<String> KUSTOMIZATION_FIELDS =
      Set.of("apiVersion", "kind", "namespace", "resources", "patches");

  private Manifests() {}

  /** The objects the kustomization in {@code directory} renders, in the order of its resources. */
  public static List<ObjectNode> render(Path directory) throws IOException {
    JsonNode kustomization = YAML.readTree(directory.resolve("kustomization.yaml").toFile());
    kustomization.fieldNames().forEachRemaining(field -> {
      if (!KUSTOMIZATION_FIELDS.contains(field)) {
        throw new UnsupportedOperationException(directory + ": kustomization field " + field);
      }
    });
    List<ObjectNode> objects = new ArrayList<>();
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = directory.resolve(resource.asText()).normalize();
      objects.addAll(Files.isDirectory(path) ? render(path) : read(path));
    }
    for (JsonNode patch : kustomization.path("patches")) {
      patch(objects, patch, directory);
    }
    if (kustomization.has("namespace")) {
      objects.stream().filter(o -> !CLUSTER_SCOPED.contains(o.path("kind").asText()))
          .forEach(o -> o.withObject("/metadata").put("namespace", kustomization.path("namespace").asText()));
    }
    return objects;
  }

  /** The one object of this kind and name, or null. */
  public static ObjectNode find(List<ObjectNode> objects, String kind, String name) {
    List<ObjectNode> found = objects.stream().filter(o -> is(o, kind, name)).toList();
    if (found.size() > 1) {
      throw new AssertionError(found.size() + " objects " + kind + " " + name);
    }
    return found.isEmpty() ? null : found.get(0);
  }

  /** {@code verb group/resource[/subresource]} for every combination a Role's or ClusterRole's rules grant. */
  public static Set<String> granted(JsonNode role) {
    Set<String> granted = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode verb : rule.path("verbs")) {
            granted.add(verb.asText() + " " + group.asText() + "/" + resource.asText());
          }
        }
      }
    }
    return granted;
  }

  /** The objects of a multi-document YAML stream (empty documents left out), as kubectl reads a file. */
  public static List<ObjectNode> parse(String yaml) throws IOException {
    List<ObjectNode> objects = new ArrayList<>();
    for (JsonNode doc : YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll()) {
      if (doc instanceof ObjectNode object) {
        objects.add(object);
      }
    }
    return objects;
  }

  private static List<ObjectNode> read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  private static void patch(List<ObjectNode> objects, JsonNode patch, Path directory) throws IOException {
    JsonNode target = patch.path("target");
    target.fieldNames().forEachRemaining(field -> {
      if (!Set.of("kind", "name").contains(field)) {
        throw new UnsupportedOperationException(directory + ": patch target field " + field);
      }
    });
    String kind = target.path("kind").asText();
    String name = target.path("name").asText();
    JsonNode body = YAML.readTree(patch.path("patch").asText());
    if ("delete".equals(body.path("$patch").asText())) {
      objects.removeIf(o -> is(o, kind, name));
    } else if (body.isArray()) {
      objects.replaceAll(o -> is(o, kind, name) ? (ObjectNode) JsonPatch.apply(body, o) : o);
    } else {
      throw new UnsupportedOperationException(directory + ": a strategic merge patch other than $patch: delete");
    }
  }

  private static boolean is(JsonNode object, String kind, String name) {
    return kind.equals(object.path("kind").asText()) && name.equals(object.at("/metadata/name").asText());
  }
}
