package io.keymint.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.keymint.apptoken.AppToken;
import io.keymint.clientapp.ClientApplication;
import io.keymint.platformtoken.PlatformToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One YAML document of {@code samples/} (or of the user's files), with the platform it belongs to:
 * the name of its directory under {@code samples/}, or null for a file elsewhere.
 */
record Sample(String platform, ObjectNode doc) {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The kinds the demo applies, in the order it applies them. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = orderedKinds();

  private static Map<String, Class<? extends HasMetadata>> orderedKinds() {
    Map<String, Class<? extends HasMetadata>> kinds = new LinkedHashMap<>();
    kinds.put("Namespace", Namespace.class);
    kinds.put("ServiceAccount", ServiceAccount.class);
    kinds.put("ClientApplication", ClientApplication.class);
    kinds.put("Secret", Secret.class);
    kinds.put("AppToken", AppToken.class);
    kinds.put("PlatformToken", PlatformToken.class);
    kinds.put("Deployment", Deployment.class);
    kinds.put("StatefulSet", StatefulSet.class);
    kinds.put("DaemonSet", DaemonSet.class);
    return Collections.unmodifiableMap(kinds);
  }

  /** Every document of the .yaml files under these files or directories, in the order the demo applies them. */
  static List<Sample> load(List<Path> roots) throws IOException {
    List<Sample> documents = new ArrayList<>();
    for (Path root : roots) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
          for (JsonNode doc : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
            if (doc instanceof ObjectNode object && doc.has("kind")) {
              documents.add(new Sample(platformOf(file), object));
            }
          }
        }
      }
    }
    List<String> order = List.copyOf(KINDS.keySet());
    documents.sort(Comparator.comparingInt(d -> order.indexOf(d.kind()) < 0 ? order.size() : order.indexOf(d.kind())));
    return documents;
  }

  private static String platformOf(Path file) {
    Path dir = file.toAbsolutePath().normalize().getParent();
    return dir.getParent() != null && "samples".equals(String.valueOf(dir.getParent().getFileName()))
        ? dir.getFileName().toString() : null;
  }

  String kind() {
    return doc.path("kind").asText();
  }

  String name() {
    return doc.at("/metadata/name").asText();
  }

  String namespace() {
    return doc.at("/metadata/namespace").asText("default");
  }

  /** {@code Kind/name}, how platforms recognise their documents. */
  String id() {
    return kind() + "/" + name();
  }

  boolean isKeymint() {
    return List.of("ClientApplication", "AppToken", "PlatformToken").contains(kind());
  }

  ObjectNode spec() {
    return doc.withObjectProperty("spec");
  }

  /** A Secret's {@code stringData}, where the samples put their credentials. */
  ObjectNode stringData() {
    return doc.withObjectProperty("stringData");
  }

  /** The document as the Fabric8 model object it describes, or null for a kind the demo does not apply. */
  HasMetadata toResource() throws IOException {
    Class<? extends HasMetadata> type = KINDS.get(kind());
    if (type == null) {
      return null;
    }
    HasMetadata resource = JSON.treeToValue(doc, type);
    resource.getMetadata().setNamespace("Namespace".equals(kind()) ? null : namespace());
    return resource;
  }
}
