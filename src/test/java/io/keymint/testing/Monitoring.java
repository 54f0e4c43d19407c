package io.keymint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** deploy/monitoring's alerts and Grafana dashboard, read as Prometheus and Grafana read them. */
public final class Monitoring {

  public static final Path DIRECTORY = Path.of("deploy/monitoring");
  public static final Path RULES = DIRECTORY.resolve("prometheusrule.yaml");
  public static final Path DASHBOARD = DIRECTORY.resolve("keymint-dashboard.json");

  /** One alerting rule. */
  public record Alert(String name, String expr, JsonNode rule) {}

  /** One dashboard panel and the PromQL of its targets. */
  public record Panel(String title, String type, List<String> queries) {}

  private Monitoring() {}

  public static List<Alert> alerts() throws IOException {
    List<Alert> alerts = new ArrayList<>();
    for (JsonNode group : Manifests.find(Manifests.parse(java.nio.file.Files.readString(RULES)), "PrometheusRule", "keymint")
        .at("/spec/groups")) {
      for (JsonNode rule : group.path("rules")) {
        alerts.add(new Alert(rule.path("alert").asText(), rule.path("expr").asText(), rule));
      }
    }
    return alerts;
  }

  public static JsonNode dashboard() throws IOException {
    return new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  /** Every panel that shows data (rows, which only group panels, left out), nested ones included. */
  public static List<Panel> panels() throws IOException {
    List<Panel> panels = new ArrayList<>();
    collect(dashboard().path("panels"), panels);
    return panels;
  }

  private static void collect(JsonNode nodes, List<Panel> panels) {
    for (JsonNode panel : nodes) {
      if ("row".equals(panel.path("type").asText())) {
        collect(panel.path("panels"), panels);
        continue;
      }
      List<String> queries = new ArrayList<>();
      panel.path("targets").forEach(target -> queries.add(target.path("expr").asText()));
      panels.add(new Panel(panel.path("title").asText(), panel.path("type").asText(), queries));
    }
  }

  /** The metric names each alert ("alert X") and each panel ("panel X") selects. */
  public static Map<String, Set<String>> metricNamesByUser() throws IOException {
    Map<String, Set<String>> used = new LinkedHashMap<>();
    for (Alert alert : alerts()) {
      used.put("alert " + alert.name(), PromQl.metricNames(alert.expr()));
    }
    for (Panel panel : panels()) {
      Set<String> names = new TreeSet<>();
      panel.queries().forEach(query -> names.addAll(PromQl.metricNames(query)));
      used.put("panel " + panel.title(), names);
    }
    return used;
  }
}
