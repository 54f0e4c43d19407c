package io.keymint.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A committed CRD from {@code crds/}, with its CEL {@code x-kubernetes-validations} evaluated the
 * way the API server does (the CRUD mock server enforces no schema, so tests do it here).
 */
public final class CrdSchema {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .addVar("oldSelf", SimpleType.DYN)
      .build();

  private final JsonNode schema;

  private CrdSchema(JsonNode schema) {
    this.schema = schema;
  }

  public static CrdSchema load(String plural) {
    try {
      JsonNode crd = YAML.readTree(Path.of("crds", plural + ".keymint.io-v1.yml").toFile());
      return new CrdSchema(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The schema node at a dotted property path, e.g. {@code spec.grant}; the empty path is the root. */
  public JsonNode at(String path) {
    JsonNode node = schema;
    if (path.isEmpty()) { // the resource's root
      return node;
    }
    for (String part : path.split("\\.")) {
      node = node.path("properties").path(part);
    }
    return node;
  }

  /**
   * The messages of the rules at {@code path} that the object fails. Transition rules (those
   * that use oldSelf) are evaluated only when {@code oldSelf} is given, as on an update.
   */
  public List<String> violations(String path, Map<String, Object> self, Map<String, Object> oldSelf) {
    List<String> failed = new ArrayList<>();
    for (JsonNode rule : at(path).path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      if (expression.contains("oldSelf") && oldSelf == null) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", self);
      if (oldSelf != null) {
        vars.put("oldSelf", oldSelf);
      }
      try {
        var ast = CEL.compile(expression).getAst();
        if (!Boolean.TRUE.equals(CEL.createProgram(ast).eval(vars))) {
          failed.add(rule.path("message").asText());
        }
      } catch (Exception e) {
        throw new AssertionError("rule does not evaluate: " + expression, e);
      }
    }
    return failed;
  }

  public List<String> violations(String path, Map<String, Object> self) {
    return violations(path, self, null);
  }

  /** Parses inline YAML (or JSON) into the plain maps CEL evaluates against. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> yaml(String text) {
    try {
      return YAML.readValue(text, Map.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
