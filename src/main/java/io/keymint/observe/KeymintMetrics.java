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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Keymint's own metrics, next to JOSDK's reconciliation metrics in one Prometheus registry:
 * {@code keymint_token_expiration_timestamp_seconds{namespace,name,kind}},
 * {@code keymint_token_refresh_total{kind,result,reason}},
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
  /**
   * {@code keymint_token_valid{kind,namespace,name}}: 1 while the resource's Secret holds a token that has not
   * expired, 0 when it holds none (never issued) or an expired one; every AppToken and PlatformToken has a row,
   * so an alert can name a token that has had no valid token for a while, which the expiry gauge cannot.
   */
  private final MultiGauge validity = MultiGauge.builder("keymint.token.valid")
      .description("1 while the resource's Secret holds an unexpired token, else 0").register(registry);
  private final List<Supplier<Stream<TokenExpiry>>> tokenSources = new CopyOnWriteArrayList<>();
  /** {@code keymint_leader}: 1 while this replica reconciles (it holds the Lease, or runs without leader election). */
  private final AtomicInteger leader = registry.gauge("keymint.leader", new AtomicInteger(0));

  public MeterRegistry registry() {
    return registry;
  }

  /** Whether this replica reconciles now: it holds the Lease, or it runs without leader election. */
  public void leading(boolean leading) {
    leader.set(leading ? 1 : 0);
  }

  /** A source of token expiries, read at every scrape (so a deleted token leaves no gauge behind). */
  public void watchTokens(Supplier<Stream<TokenExpiry>> source) {
    tokenSources.add(source);
  }

  /** One token request; {@code reason} is the condition reason it ended with (TokenIssued, InvalidGrant, ...). */
  public void tokenRefresh(String kind, boolean success, String reason) {
    Counter.builder("keymint.token.refresh").description("Token refresh attempts")
        .tags("kind", kind, "result", success ? "success" : "failure", "reason", reason).register(registry).increment();
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
    List<TokenExpiry> tokens = tokenSources.stream().flatMap(Supplier::get).toList();
    Instant now = Instant.now();
    expirations.register(tokens.stream().filter(t -> t.expiresAt() != null)
        .map(t -> MultiGauge.Row.of(tags(t), t.expiresAt().getEpochSecond())).toList(), true);
    validity.register(tokens.stream()
        .map(t -> MultiGauge.Row.of(tags(t), t.expiresAt() != null && t.expiresAt().isAfter(now) ? 1 : 0)).toList(), true);
    return registry.scrape();
  }

  private static Tags tags(TokenExpiry token) {
    return Tags.of("kind", token.kind(), "namespace", token.namespace(), "name", token.name());
  }
}
