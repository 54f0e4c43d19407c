package io.keymint.apptoken;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.keymint.api.AuthMethod;
import io.keymint.api.Labels;
import io.keymint.api.LocalObjectReference;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.OutputSecrets;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import io.keymint.testing.TokenEndpointStandIn;
import io.keymint.token.TokenKeeper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One namespace cannot hold the shared reconcile threads (API.md, "One tenant cannot take Keymint
 * down for the others"). Keymint runs with {@value #THREADS} reconcile threads, so each namespace's
 * share (KEYMINT_MAX_CONCURRENT_PER_NAMESPACE's default, a quarter) is {@value #SHARE}.
 * <ul>
 *   <li>{@code noisy}: {@value #NOISY} AppTokens against an external token endpoint (a loopback
 *       stand-in) that answers after 10 s, with 1 s tokens and {@code keymint.io/refresh} changed every
 *       second: without fairness they would hold every thread all the time;</li>
 *   <li>{@code eager}: one such AppToken whose endpoint answers at once, so the minimum interval is
 *       what holds it back;</li>
 *   <li>{@code quiet}: {@value #QUIET} AppTokens of a ClientApplication in the real Keycloak, with 30 s
 *       tokens, created while the noise is on.</li>
 * </ul>
 * For two minutes no quiet Secret ever holds an expired token and every quiet token is refreshed
 * within 5 s of its refreshAt; the stand-in sees each client at most once per KEYMINT_MIN_MINT_INTERVAL
 * and never more of noisy's requests at once than its share. Bounded in time, loopback only.
 */
@ExtendWith(KeycloakExtension.class)
class NoisyNeighbourIT {

  private static final int THREADS = 8;
  private static final int SHARE = THREADS / 4;
  private static final int NOISY = 50;
  private static final int QUIET = 20;
  private static final Duration SLOW = Duration.ofSeconds(10);
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
  private static final Duration OBSERVED = Duration.ofMinutes(2);
  /** The tolerance the refresh schedule is held to. */
  private static final Duration ON_TIME = Duration.ofSeconds(5);
  /** A refresh shows in status a little after its request is sent: how long a poll waits for it. */
  private static final Duration STATUS_LAG = Duration.ofSeconds(3);
  /** A request reaches the stand-in a little after Keymint notes the attempt: gaps there may look this much shorter. */
  private static final Duration SEND_LAG = Duration.ofSeconds(1);

  private KeymintFixture keymint;

  @Test
  void aNoisyNamespaceGetsItsShareAndAQuietOneKeepsEveryTokenFresh(TestRealm realm) throws Exception {
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    try (TokenEndpointStandIn endpoint = TokenEndpointStandIn.start(
        client -> client.startsWith("eager") ? Duration.ZERO : SLOW, 1)) {
      keymint = KeymintFixture.start(realm, Map.of("KEYMINT_RECONCILE_THREADS", String.valueOf(THREADS),
          "KEYMINT_MIN_MINT_INTERVAL", "10s", "KEYMINT_TOKEN_URL_HOSTS", "127.0.0.1"));
      String noisy = keymint.newNamespace("noisy");
      String eager = keymint.newNamespace("eager");
      String quiet = keymint.newNamespace("quiet");
      Instant began = Instant.now();
      List<String> noisyTokens = externalTokens(noisy, NOISY, endpoint.tokenUrl());
      List<String> eagerTokens = externalTokens(eager, 1, endpoint.tokenUrl());
      AtomicInteger tick = new AtomicInteger();
      ticker.scheduleWithFixedDelay(() -> {
        String value = "tick-" + tick.incrementAndGet();
        try {
          noisyTokens.forEach(name -> requestRefresh(noisy, name, value));
          eagerTokens.forEach(name -> requestRefresh(eager, name, value));
        } catch (RuntimeException e) {
          // the next tick asks again (an exception would end the schedule)
        }
      }, 1, 1, TimeUnit.SECONDS);

      keymint.create(new ClientApplication(), quiet, "app", new ClientApplicationSpec(),
          spec -> spec.accessTokenLifespan = "30s");
      for (int i = 0; i < QUIET; i++) {
        keymint.create(new AppToken(), quiet, "q" + i, new AppTokenSpec(),
            spec -> spec.clientApplicationRef = new LocalObjectReference("app"));
      }
      for (int i = 0; i < QUIET; i++) { // the quiet namespace's first tokens do not wait behind the noise either
        keymint.awaitStatus(AppToken.class, quiet, "q" + i, AppToken::getStatus, ready("True", "TokenIssued"));
      }
      QuietWatch watch = new QuietWatch();
      Instant end = Instant.now().plus(OBSERVED);
      await().atMost(OBSERVED.plus(TIMEOUT)).pollInterval(Duration.ofMillis(500)).until(() -> {
        watch.look(keymint, quiet);
        return Instant.now().isAfter(end);
      });
      ticker.shutdownNow();
      assertThat(ticker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      Map<String, List<Instant>> arrivals = endpoint.arrivals();
      Map<String, List<Instant>> noisyArrivals = new HashMap<>(arrivals);
      noisyArrivals.keySet().removeIf(client -> !client.startsWith("noisy"));
      List<Instant> eagerArrivals = arrivals.getOrDefault("eager-0", List.of());
      System.out.printf("NoisyNeighbourIT: quiet: %d refreshes, each at most %s after its refreshAt (worst of %d)%n"
          + "  noisy: %d requests from %d of %d tokens, at most %d within %s of each other (share %d), closest two of one"
          + " token %s apart%n  eager: %d requests, closest two %s apart (KEYMINT_MIN_MINT_INTERVAL %s)%n",
          watch.refreshes, watch.worstLateness, QUIET, count(noisyArrivals), noisyArrivals.size(), NOISY,
          mostAtOnce(noisyArrivals), SLOW.minus(SEND_LAG), SHARE, closest(noisyArrivals.values()), eagerArrivals.size(),
          closest(List.of(eagerArrivals)), MIN_INTERVAL);

      // the last refresh asked for is answered once the interval allows: scheduled, not dropped
      String lastAsked = keymint.get(AppToken.class, eager, eagerTokens.get(0)).getMetadata().getAnnotations()
          .get(Labels.REFRESH);
      await().atMost(MIN_INTERVAL.plus(TIMEOUT)).until(() -> lastAsked.equals(refreshAnswered(eager, eagerTokens.get(0))));
      assertThat(watch.problems).as("quiet tokens served expired or refreshed late").isEmpty();
      assertThat(watch.refreshes).as("quiet tokens refreshed every 20 s or so").isGreaterThanOrEqualTo(QUIET * 3);
      assertThat(closest(arrivals.values())).as("requests of one client at the stand-in")
          .isGreaterThanOrEqualTo(MIN_INTERVAL.minus(SEND_LAG));
      assertThat(mostAtOnce(noisyArrivals)).as("noisy requests in flight at once").isLessThanOrEqualTo(SHARE);
      assertThat(count(noisyArrivals)).as("the noisy namespace still progresses, within its share").isGreaterThanOrEqualTo(8);
      assertThat(eagerArrivals.size()).as("a refresh asked every second is answered once per interval")
          .isBetween(6, (int) (Duration.between(began, Instant.now()).toSeconds() / MIN_INTERVAL.toSeconds()) + 1);
    } finally {
      ticker.shutdownNow();
      KeymintFixture.stopAndCheckLogs(keymint);
    }
  }

  /**
   * What the quiet namespace showed, poll by poll: every token Secret holds a token that has not
   * expired, and a token whose refreshAt has passed by {@link #ON_TIME} shows a new lastRefreshTime
   * (a request sent by then; status may show it {@link #STATUS_LAG} later).
   */
  private static final class QuietWatch {
    final List<String> problems = new ArrayList<>();
    final Map<String, String> lastRefreshTime = new HashMap<>();
    final Map<String, Instant> refreshAt = new HashMap<>();
    final Set<String> overdue = new HashSet<>();
    Duration worstLateness = Duration.ofSeconds(-3600);
    int refreshes;

    void look(KeymintFixture keymint, String namespace) {
      Map<String, Secret> secrets = new HashMap<>();
      keymint.client().secrets().inNamespace(namespace).withLabel(Labels.KIND, AppToken.KIND).list().getItems()
          .forEach(s -> secrets.put(s.getMetadata().getName(), s));
      Instant seen = Instant.now();
      for (int i = 0; i < QUIET; i++) {
        Secret secret = secrets.get("q" + i + "-token");
        Map<String, String> data = secret == null ? Map.of() : OutputSecrets.decode(secret);
        if (data.get("access_token") != null) {
          KeymintFixture.SECRETS_SEEN.add(data.get("access_token"));
        }
        if (data.get("expires_at") == null || !Instant.parse(data.get("expires_at")).isAfter(seen)) {
          problems.add("q" + i + ": Secret at " + seen + " holds a token that expires at " + data.get("expires_at"));
        }
      }
      List<AppToken> tokens = keymint.client().resources(AppToken.class).inNamespace(namespace).list().getItems();
      Instant now = Instant.now();
      for (AppToken token : tokens) {
        String name = token.getMetadata().getName();
        AppTokenStatus status = token.getStatus();
        String previous = lastRefreshTime.get(name);
        if (previous != null && !previous.equals(status.lastRefreshTime)) {
          Duration lateness = Duration.between(refreshAt.get(name), Instant.parse(status.lastRefreshTime));
          worstLateness = lateness.compareTo(worstLateness) > 0 ? lateness : worstLateness;
          refreshes++;
          if (lateness.compareTo(ON_TIME) > 0) {
            problems.add(name + ": refreshed at " + status.lastRefreshTime + ", " + lateness + " after its refreshAt");
          }
        } else if (previous != null && now.isAfter(refreshAt.get(name).plus(ON_TIME).plus(STATUS_LAG))
            && overdue.add(name + "@" + refreshAt.get(name))) {
          problems.add(name + ": not refreshed at " + now + ", its refreshAt was " + refreshAt.get(name));
        }
        lastRefreshTime.put(name, status.lastRefreshTime);
        refreshAt.put(name, Instant.parse(status.refreshAt));
      }
    }
  }

  /** Most requests that arrived within {@code SLOW - SEND_LAG} of each other: each still held its thread when the next came. */
  private static int mostAtOnce(Map<String, List<Instant>> arrivals) {
    List<Instant> all = arrivals.values().stream().flatMap(List::stream).sorted().toList();
    int most = 0;
    for (int i = 0, first = 0; i < all.size(); i++) {
      while (!Duration.between(all.get(first), all.get(i)).minus(SLOW.minus(SEND_LAG)).isNegative()) {
        first++;
      }
      most = Math.max(most, i - first + 1);
    }
    return most;
  }

  /** The shortest time between two requests of one client. */
  private static Duration closest(Iterable<List<Instant>> arrivals) {
    Duration closest = Duration.ofDays(1);
    for (List<Instant> times : arrivals) {
      for (int i = 1; i < times.size(); i++) {
        Duration gap = Duration.between(times.get(i - 1), times.get(i));
        closest = gap.compareTo(closest) < 0 ? gap : closest;
      }
    }
    return closest;
  }

  private static int count(Map<String, List<Instant>> arrivals) {
    return arrivals.values().stream().mapToInt(List::size).sum();
  }

  /** AppTokens {@code <namespace prefix>0..} of clients {@code <prefix>-0..} at the stand-in, from one credentials Secret. */
  private List<String> externalTokens(String namespace, int count, String tokenUrl) {
    String prefix = namespace.substring(0, namespace.indexOf('-'));
    SecretBuilder credentials = new SecretBuilder().withNewMetadata().withName("partner").withNamespace(namespace).endMetadata()
        .addToData("client_secret", base64("stand-in-secret"));
    for (int i = 0; i < count; i++) {
      credentials.addToData("client_id_" + i, base64(prefix + "-" + i));
    }
    keymint.create(credentials.build());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int client = i;
      keymint.create(new AppToken(), namespace, prefix + i, new AppTokenSpec(), spec -> {
        spec.clientCredentials = new AppTokenSpec.ClientCredentials();
        spec.clientCredentials.tokenUrl = tokenUrl;
        spec.clientCredentials.authMethod = AuthMethod.ClientSecretPost;
        spec.clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
        spec.clientCredentials.secretRef.name = "partner";
        spec.clientCredentials.secretRef.clientIdKey = "client_id_" + client;
      });
      names.add(prefix + i);
    }
    return names;
  }

  private void requestRefresh(String namespace, String name, String value) {
    keymint.client().resources(AppToken.class).inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + Labels.REFRESH + "\":\"" + value + "\"}}}");
  }

  private String refreshAnswered(String namespace, String name) {
    Secret secret = keymint.secret(namespace, name + "-token");
    return secret == null || secret.getMetadata().getAnnotations() == null ? null
        : secret.getMetadata().getAnnotations().get(TokenKeeper.REFRESH_ANSWERED);
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
