package io.keymint.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.platformtoken.PlatformTokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every file in samples/ parses; every Keymint resource in it binds to the Java model with no
 * unknown field (a typo fails here) and passes its CRD's schema: bounds, patterns and CEL rules.
 */
class SamplesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Fails on unknown fields even where the model tolerates them at run time (@JsonIgnoreProperties). */
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .annotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated annotated) {
          return JsonIgnoreProperties.Value.empty();
        }
      })
      .build();
  private static final Map<String, Class<?>> SPECS = Map.of(
      "ClientApplication", ClientApplicationSpec.class,
      "AppToken", AppTokenSpec.class,
      "PlatformToken", PlatformTokenSpec.class);
  private static final Map<String, String> PLURALS = Map.of(
      "ClientApplication", "clientapplications", "AppToken", "apptokens", "PlatformToken", "platformtokens");

  @Test
  void everySampleIsValid() throws IOException {
    List<String> problems = new ArrayList<>();
    int resources = 0;
    try (Stream<Path> files = Files.walk(Path.of("samples"))) {
      // the chart's templates are YAML only once Helm renders them: HelmChartTest renders and reads them
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith("deploy/helm")).sorted().toList()) {
        for (JsonNode doc : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
          if (doc == null || doc.isNull()) {
            continue;
          }
          String kind = doc.path("kind").asText();
          if (doc.path("apiVersion").asText().isEmpty() || kind.isEmpty() || doc.at("/metadata/name").asText().isEmpty()) {
            problems.add(file + ": a document without apiVersion, kind or metadata.name");
            continue;
          }
          if (!SPECS.containsKey(kind)) {
            continue;
          }
          resources++;
          assertThat(doc.path("apiVersion").asText()).as(file.toString()).isEqualTo("keymint.io/v1alpha1");
          try {
            STRICT.treeToValue(doc.path("spec"), SPECS.get(kind));
          } catch (JsonProcessingException e) {
            problems.add(file + " " + kind + "/" + doc.at("/metadata/name").asText() + ": " + e.getOriginalMessage());
          }
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = YAML.convertValue(doc.path("spec"), Map.class);
          CrdSchema crd = CrdSchema.load(PLURALS.get(kind));
          crd.problems("spec", spec).forEach(v -> problems.add(file + " " + kind + ": " + v));
        }
      }
    }
    assertThat(problems).isEmpty();
    assertThat(resources).isGreaterThanOrEqualTo(8);
  }

  @Test
  void everyDeployManifestParsesAndNamesItsKind() throws IOException {
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("deploy"))) {
      // the chart's templates are YAML only once Helm renders them: HelmChartTest renders and reads them
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith("deploy/helm")).sorted().toList()) {
        for (JsonNode doc : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
          if (doc != null && !doc.isNull() && !doc.has("data") && doc.path("kind").asText().isEmpty()) {
            problems.add(file + ": a document without kind");
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }
}
