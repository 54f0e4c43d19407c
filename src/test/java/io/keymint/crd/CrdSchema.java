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
import java.util.regex.Pattern;

/**
 * A committed CRD from {@code crds/}, with its CEL {@code x-kubernetes-validations} evaluated the
 * way the API server does, and its bounds and patterns checked (the CRUD mock server enforces no
 * schema, so tests do it here).
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
    return violations(at(path), self, oldSelf, false);
  }

  /** @param failingIsViolation a rule that fails to evaluate (a duration that does not parse) is violated, else an error of the rule */
  private static List<String> violations(JsonNode node, Object self, Object oldSelf, boolean failingIsViolation) {
    List<String> failed = new ArrayList<>();
    for (JsonNode rule : node.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      if (expression.contains("oldSelf") && oldSelf == null) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", self);
      if (oldSelf != null) {
        vars.put("oldSelf", oldSelf);
      }
      Object result;
      try {
        result = CEL.createProgram(CEL.compile(expression).getAst()).eval(vars);
      } catch (dev.cel.runtime.CelEvaluationException e) {
        if (!failingIsViolation) {
          throw new AssertionError("rule does not evaluate: " + expression, e);
        }
        result = false;
      } catch (Exception e) {
        throw new AssertionError("rule does not compile: " + expression, e);
      }
      if (!Boolean.TRUE.equals(result)) {
        failed.add(rule.path("message").asText());
      }
    }
    return failed;
  }

  public List<String> violations(String path, Map<String, Object> self) {
    return violations(path, self, null);
  }

  /**
   * What the API server refuses in {@code value}, checked against the schema at {@code path} and
   * below it: lengths, patterns, enums, numeric limits, item and property counts, required fields,
   * and every CEL rule that does not compare with oldSelf; each as "where: problem".
   */
  public List<String> problems(String path, Object value) {
    List<String> found = new ArrayList<>();
    check(at(path), path, value, found);
    return found;
  }

  private void check(JsonNode s, String where, Object value, List<String> found) {
    if (value instanceof String text) {
      int length = text.codePointCount(0, text.length());
      limit(found, where, s, "maxLength", length, "characters");
      if (s.has("minLength") && length < s.get("minLength").asInt()) {
        found.add(where + ": shorter than " + s.get("minLength").asInt() + " characters");
      }
      if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(text).find()) {
        found.add(where + ": does not match " + s.get("pattern").asText());
      }
      if (s.has("enum") && !s.get("enum").toString().contains("\"" + text + "\"")) {
        found.add(where + ": not one of " + s.get("enum"));
      }
    } else if (value instanceof Number n) {
      if (s.has("minimum") && n.doubleValue() < s.get("minimum").asDouble()
          || s.has("maximum") && n.doubleValue() > s.get("maximum").asDouble()) {
        found.add(where + ": out of range");
      }
    } else if (value instanceof List<?> list) {
      limit(found, where, s, "maxItems", list.size(), "items");
      if (s.has("minItems") && list.size() < s.get("minItems").asInt()) {
        found.add(where + ": fewer than " + s.get("minItems").asInt() + " items");
      }
      for (int i = 0; i < list.size(); i++) {
        check(s.path("items"), where + "[" + i + "]", list.get(i), found);
      }
    } else if (value instanceof Map<?, ?> map) {
      limit(found, where, s, "maxProperties", map.size(), "entries");
      s.path("required").forEach(r -> {
        if (!map.containsKey(r.asText())) {
          found.add(where + "." + r.asText() + ": required");
        }
      });
      map.forEach((k, v) -> check(s.path("properties").has(k.toString()) ? s.path("properties").path(k.toString())
          : s.path("additionalProperties"), where + "." + k, v, found));
    }
    if (value != null && s.has("x-kubernetes-validations")) {
      violations(s, value, null, true).forEach(v -> found.add(where + ": " + v));
    }
  }

  private static void limit(List<String> found, String where, JsonNode s, String keyword, int size, String unit) {
    if (s.has(keyword) && size > s.get(keyword).asInt()) {
      found.add(where + ": more than " + s.get(keyword).asInt() + " " + unit);
    }
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
