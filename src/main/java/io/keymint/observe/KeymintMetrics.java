package io.keymint.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Keymint's own metrics, next to JOSDK's reconciliation metrics in one Prometheus registry:
 * {@code keymint_token_expiration_timestamp_seconds{namespace,name,kind}},
 * {@code keymint_token_refresh_total{kind,result}},
 * {@code keymint_identity_provider_requests_total{target,result}}, the latency histogram
 * {@code keymint_identity_provider_request_duration_seconds} and
 * {@code keymint_reconciles_deferred_total{namespace}}. Never a secret in a label.
 */
public final class KeymintMetrics {

  /** A token and when it expires, as the operator's caches know it. */
  public record TokenExpiry(String kind, String namespace, String name, Instant expiresAt) {}

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MultiGauge expirations = MultiGauge.builder("keymint.token.expiration.timestamp")
      .baseUnit("seconds").description("When the token in the Secret expires (Unix time)").register(registry);
  private final List<Supplier<Stream<TokenExpiry>>> tokenSources = new CopyOnWriteArrayList<>();

  public MeterRegistry registry() {
    return registry;
  }

  /** A source of token expiries, read at every scrape (so a deleted token leaves no gauge behind). */
  public void watchTokens(Supplier<Stream<TokenExpiry>> source) {
    tokenSources.add(source);
  }

  public void tokenRefresh(String kind, boolean success) {
    Counter.builder("keymint.token.refresh").description("Token refresh attempts")
        .tags("kind", kind, "result", success ? "success" : "failure").register(registry).increment();
  }

  /** A reconcile put off: its namespace held its share of the threads (KEYMINT_MAX_CONCURRENT_PER_NAMESPACE). */
  public void reconcileDeferred(String namespace) {
    Counter.builder("keymint.reconciles.deferred")
        .description("Reconciles put off because their namespace held its share of the reconcile threads")
        .tags("namespace", namespace).register(registry).increment();
  }

  /** @param target {@code token_endpoint} or {@code keycloak_admin} */
  public void identityProviderRequest(String target, boolean success, Duration took) {
    Tags tags = Tags.of("target", target, "result", success ? "success" : "failure");
    Counter.builder("keymint.identity.provider.requests").description("Requests to identity providers")
        .tags(tags).register(registry).increment();
    if (took != null) {
      Timer.builder("keymint.identity.provider.request.duration").description("Identity provider request latency")
          .tags(tags).publishPercentileHistogram().register(registry).record(took);
    }
  }

  /** The Prometheus text exposition of everything, gauges brought up to date first. */
  public String scrape() {
    expirations.register(tokenSources.stream().flatMap(Supplier::get)
        .filter(t -> t.expiresAt() != null)
        .map(t -> MultiGauge.Row.of(Tags.of("kind", t.kind(), "namespace", t.namespace(), "name", t.name()),
            t.expiresAt().getEpochSecond()))
        .toList(), true);
    return registry.scrape();
  }
}
