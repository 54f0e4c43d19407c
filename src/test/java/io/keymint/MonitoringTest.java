package io.keymint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keymint.testing.Monitoring;
import io.keymint.testing.PromQl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring as Prometheus and Grafana read it: every alert has an expression, a severity, a summary and
 * a runbook line in the README; the dashboard parses and every panel has a query. HelmChartIT checks that each
 * metric they name is exported by a running Keymint.
 */
class MonitoringTest {

  @Test
  void everyAlertHasAnExpressionASeverityAnExplanationAndAReadmeRunbookLine() throws IOException {
    List<Monitoring.Alert> alerts = Monitoring.alerts();
    assertThat(alerts).extracting(Monitoring.Alert::name).doesNotHaveDuplicates().contains("KeymintTokenExpiring",
        "KeymintTokenNotValid", "KeymintTokenRefreshFailures", "KeymintReconcileErrors", "KeymintDown",
        "KeymintNotLeading");
    String alertsSection = section(Files.readString(Path.of("README.md")), "### Alerts");
    for (Monitoring.Alert alert : alerts) {
      assertThat(alert.expr()).as(alert.name()).isNotBlank();
      assertThat(PromQl.metricNames(alert.expr())).as(alert.name() + " names Keymint's metrics").isNotEmpty()
          .allMatch(name -> name.startsWith("keymint_") || name.startsWith("operator_sdk_"));
      assertThat(alert.rule().at("/labels/severity").asText()).as(alert.name()).isIn("warning", "critical");
      assertThat(alert.rule().at("/annotations/summary").asText()).as(alert.name()).isNotBlank();
      assertThat(alert.rule().at("/annotations/description").asText()).as(alert.name()).isNotBlank();
      assertThat(alertsSection).as("README \"Alerts\" explains " + alert.name()).contains("`" + alert.name() + "`");
    }
  }

  @Test
  void theDashboardParsesAndEveryPanelHasAQuery() throws IOException {
    JsonNode dashboard = Monitoring.dashboard();
    assertThat(dashboard.path("uid").asText()).isEqualTo("keymint");
    assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    List<Monitoring.Panel> panels = Monitoring.panels();
    assertThat(panels).extracting(Monitoring.Panel::title).doesNotHaveDuplicates().contains("Tokens by state",
        "Time to expiry, soonest first", "Refresh failures", "Identity provider latency", "Reconcile queue");
    for (Monitoring.Panel panel : panels) {
      assertThat(panel.queries()).as(panel.title()).isNotEmpty().allMatch(query -> !query.isBlank());
      panel.queries().forEach(query -> assertThat(PromQl.metricNames(query)).as(panel.title() + ": " + query)
          .isNotEmpty().allMatch(name -> name.startsWith("keymint_") || name.startsWith("operator_sdk_")));
    }
    Set<Integer> ids = new HashSet<>();
    dashboard.path("panels").forEach(panel -> assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue());
  }

  @Test
  void promQlMetricNamesLeaveOutFunctionsLabelsRangesAndGroupings() {
    assertThat(PromQl.metricNames("histogram_quantile(0.95, sum by (target, le) (rate("
        + "keymint_identity_provider_request_duration_seconds_bucket{result=\"failure\"}[$__rate_interval])))"))
        .containsExactly("keymint_identity_provider_request_duration_seconds_bucket");
    assertThat(PromQl.metricNames("sum by (namespace) (a_total{group=\"keymint.io\"}) > 0 unless on (namespace) "
        + "sum by (namespace) (b_total) > 0")).containsExactly("a_total", "b_total");
    assertThat(PromQl.metricNames("keymint_token_expiration_timestamp_seconds - time() < 30 offset 5m"))
        .containsExactly("keymint_token_expiration_timestamp_seconds");
  }

  /** The text of a README section, up to the next heading of any level. */
  private static String section(String readme, String heading) {
    int start = readme.indexOf("\n" + heading + "\n");
    assertThat(start).as("README section " + heading).isPositive();
    String rest = readme.substring(start + heading.length() + 2);
    int end = rest.indexOf("\n#");
    return end < 0 ? rest : rest.substring(0, end);
  }
}
