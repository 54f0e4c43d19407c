package io.keymint.bench;

import io.fabric8.kubernetes.api.model.Secret;
import io.keymint.api.LocalObjectReference;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.kube.OutputSecrets;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * AppToken issuance and refresh at scale ({@code mvn -Pbenchmark verify}, parameters
 * {@code -Dbenchmark.tokens=1000 -Dbenchmark.refreshSeconds=120}). Measured side by side in one run
 * against the same real Keycloak:
 * <ol>
 *   <li>Keymint: N AppTokens created at once, time until every Secret holds a token;</li>
 *   <li>raw: N client_credentials requests from a plain Java loop at the operator's concurrency;</li>
 *   <li>memory of this JVM (operator and mock API server) before and after, per 1,000 tokens;</li>
 *   <li>refresh: with a 30 s token lifetime, how many tokens were held expired (late) or were never
 *       replaced while watched.</li>
 * </ol>
 * Prints ratios; asserts nothing (a benchmark, not a test).
 */
public final class AppTokenBenchmark {

  private static final int CONCURRENCY = 50; // JOSDK's default reconciliation threads

  public static void main(String[] args) throws Exception {
    if (!Benchmarks.selected("apptoken")) {
      return;
    }
    int tokens = Integer.getInteger("benchmark.tokens", 1000);
    int refreshSeconds = Integer.getInteger("benchmark.refreshSeconds", 120);
    KeycloakServer server = KeycloakServer.shared();
    TestRealm realm = KeycloakExtension.createRealm(server, AppTokenBenchmark.class);
    try (KeymintFixture keymint = KeymintFixture.start(realm, Map.of())) {
      String namespace = keymint.newNamespace("bench");
      ClientApplication app = new ClientApplication();
      app.getMetadata().setName("bench");
      app.getMetadata().setNamespace(namespace);
      app.setSpec(new ClientApplicationSpec());
      app.getSpec().accessTokenLifespan = "30s";
      keymint.create(app);
      Map<String, String> credentials = awaitSecret(keymint, namespace, "bench-client", Duration.ofMinutes(2));

      warmUp(realm, credentials);
      long heapBefore = usedHeapAfterGc();
      long rssBefore = rss();

      // 1. Keymint: N AppTokens at once. They are created while the operator is stopped (creating
      //    them one by one in the mock API is slower than issuing), then the clock starts with it.
      keymint.stopOperator();
      Instant creating = Instant.now();
      for (int i = 0; i < tokens; i++) {
        AppToken token = new AppToken();
        token.getMetadata().setName("t" + i);
        token.getMetadata().setNamespace(namespace);
        token.setSpec(new AppTokenSpec());
        token.getSpec().clientApplicationRef = new LocalObjectReference("bench");
        keymint.create(token);
      }
      double createSeconds = Duration.between(creating, Instant.now()).toMillis() / 1000.0;
      keymint.kube().takeRequests(); // count only what the operator does from here on
      Instant start = Instant.now();
      keymint.startOperator();
      long requestsBefore = keymint.operator().tokens().requestCount();
      int issued = awaitTokens(keymint, namespace, tokens, Duration.ofMinutes(10));
      double keymintSeconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
      double keymintRate = issued / keymintSeconds;
      Thread.sleep(3000); // the status writes of the last tokens, and whatever their events start
      Map<String, Integer> writes = operatorWrites(keymint);
      long minted = keymint.operator().tokens().requestCount() - requestsBefore; // short tokens: some refreshed already
      int finalizers = writes.getOrDefault("PATCH apptokens", 0); // JOSDK's, once per new AppToken
      int tokenWrites = writes.values().stream().mapToInt(Integer::intValue).sum() - finalizers;
      double reconciles = reconcilesStarted(keymint);

      // 1b. raw API writes: Secret creates from a client like the operator's, at the same concurrency
      double rawApiRate = rawApiWrites(keymint, tokens);

      // 2. raw: the same number of client_credentials requests at the same concurrency
      double rawSeconds = rawLoad(realm, credentials, tokens);
      double rawRate = tokens / rawSeconds;

      long heapAfter = usedHeapAfterGc();
      long rssAfter = rss();

      System.out.println();
      System.out.println("AppToken benchmark: " + tokens + " tokens, concurrency " + CONCURRENCY + ", Keycloak " + server.baseUrl());
      System.out.printf("  Keymint issuance : %d tokens in %.1f s = %.0f tokens/s (from operator start, informer sync included)%n",
          issued, keymintSeconds, keymintRate);
      System.out.printf("  (creating the %d AppTokens one by one in the mock API beforehand took %.1f s)%n", tokens, createSeconds);
      System.out.printf("  raw Java loop    : %d tokens in %.1f s = %.0f tokens/s%n", tokens, rawSeconds, rawRate);
      double writesPerToken = tokenWrites / (double) minted;
      double limit = Math.min(rawRate, rawApiRate / (writesPerToken + finalizers / (double) issued));
      System.out.printf("  raw API writes   : %.0f Secret creates/s from one client at concurrency %d (the mock API, watch lag on)%n",
          rawApiRate, CONCURRENCY);
      System.out.printf("  API writes       : %.2f per minted token (goal at most 2: the Secret and the status), %d tokens minted"
          + " (%d of them refreshes within the window), plus %.2f finalizer patch per new AppToken (JOSDK) %s%n",
          writesPerToken, minted, minted - issued, finalizers / (double) issued, writes);
      System.out.printf("  reconciles       : %.2f started per minted token (JOSDK's count)%n", reconciles / minted);
      System.out.printf("  ratio            : %.2f of the raw Keycloak rate; %.2f of min(raw Keycloak, raw API writes / writes"
          + " per token) = %.0f tokens/s (goal 0.80)%n", keymintRate / rawRate, keymintRate / limit, limit);
      System.out.printf("  heap after GC    : %.1f MiB before, %.1f MiB after: %.1f MiB per 1,000 tokens%n",
          mib(heapBefore), mib(heapAfter), mib(heapAfter - heapBefore) * 1000.0 / tokens);
      System.out.printf("  RSS              : %.1f MiB before, %.1f MiB after: %.1f MiB per 1,000 tokens%n",
          mib(rssBefore), mib(rssAfter), mib(rssAfter - rssBefore) * 1000.0 / tokens);
      System.out.println("  (one JVM holds the operator and the mock API server with its copy of every resource)");

      // 3. refresh: sample every Secret; an expired token in a Secret is a late refresh
      RefreshWatch watch = watchRefreshes(keymint, namespace, tokens, Duration.ofSeconds(refreshSeconds));
      System.out.printf("  refresh          : %d s watched with a 30 s lifetime: %d refreshes seen, %d samples of an"
          + " expired token (late), %d tokens never replaced%n", refreshSeconds, watch.refreshes, watch.late, watch.never);
      System.out.printf("  after refresh    : heap after GC %.1f MiB (%+.1f MiB over the refresh phase), RSS %.1f MiB%n",
          mib(usedHeapAfterGc()), mib(usedHeapAfterGc() - heapAfter), mib(rss()));
      System.out.println("  largest classes on the heap now (where the memory is):");
      histogram(12).forEach(line -> System.out.println("    " + line));
    } finally {
      server.stop();
    }
    System.exit(0);
  }

  private static Map<String, String> awaitSecret(KeymintFixture keymint, String namespace, String name, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Secret secret = keymint.secret(namespace, name);
      if (secret != null) {
        return OutputSecrets.decode(secret);
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no Secret " + name + " after " + timeout);
  }

  /** Polls the Secrets until every token Secret exists; returns how many did. */
  private static int awaitTokens(KeymintFixture keymint, String namespace, int tokens, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int count = 0;
    while (Instant.now().isBefore(deadline)) {
      count = (int) keymint.client().secrets().inNamespace(namespace).withLabel("keymint.io/kind", "AppToken")
          .list().getItems().stream().filter(s -> s.getData() != null && s.getData().containsKey("access_token")).count();
      if (count >= tokens) {
        return count;
      }
      Thread.sleep(100);
    }
    return count;
  }

  /** The operator's writes to the API since the last look, by kind of object (secrets, status, events ...). */
  private static Map<String, Integer> operatorWrites(KeymintFixture keymint) {
    Map<String, Integer> writes = new java.util.TreeMap<>();
    for (var request : keymint.kube().takeRequests()) {
      if (KeymintFixture.OPERATOR_USER_AGENT.equals(request.getHeader("User-Agent")) && !"GET".equals(request.getMethod())) {
        String path = request.getPath().replaceAll("\\?.*", "");
        String what = path.endsWith("/status") ? "status" : path.replaceAll(".*/namespaces/[^/]+/([a-z]+).*", "$1");
        writes.merge(request.getMethod() + " " + what, 1, Integer::sum);
      }
    }
    return writes;
  }

  /** Reconciles JOSDK started, from the operator's /metrics. */
  private static double reconcilesStarted(KeymintFixture keymint) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + keymint.operator().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.lines().filter(l -> l.startsWith("operator_sdk_reconciliations_started_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** N Secret creates from a fresh client of the mock API, CONCURRENCY at a time; the rate per second. */
  private static double rawApiWrites(KeymintFixture keymint, int count) throws Exception {
    String namespace = keymint.newNamespace("raw");
    try (var client = keymint.kube().newClient("raw-writer")) {
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
      Instant start = Instant.now();
      List<Future<?>> workers = new java.util.ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        workers.add(pool.submit(() -> {
          for (int n; (n = next.getAndIncrement()) < count; ) {
            client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName("raw-" + n).endMetadata().addToData("k", "dg==").build()).create();
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get();
      }
      pool.shutdown();
      return count / (Duration.between(start, Instant.now()).toMillis() / 1000.0);
    }
  }

  private static void warmUp(TestRealm realm, Map<String, String> credentials) throws Exception {
    rawLoad(realm, credentials, 200);
  }

  /** N client_credentials requests, CONCURRENCY at a time, with one shared JDK HTTP client. */
  private static double rawLoad(TestRealm realm, Map<String, String> credentials, int requests) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String basic = Base64.getEncoder().encodeToString((credentials.get("client_id") + ":" + credentials.get("client_secret"))
        .getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create(realm.tokenUrl()))
        .header("Authorization", "Basic " + basic)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
    AtomicInteger remaining = new AtomicInteger(requests);
    AtomicInteger failures = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    Instant start = Instant.now();
    List<Future<?>> workers = new java.util.ArrayList<>();
    for (int i = 0; i < CONCURRENCY; i++) {
      workers.add(pool.submit(() -> {
        while (remaining.getAndDecrement() > 0) {
          try {
            if (http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() != 200) {
              failures.incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get();
    }
    double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
    pool.shutdown();
    if (failures.get() > 0) {
      System.out.println("  raw loop: " + failures.get() + " failed requests");
    }
    return seconds;
  }

  private record RefreshWatch(int refreshes, int late, int never) {}

  private static RefreshWatch watchRefreshes(KeymintFixture keymint, String namespace, int tokens, Duration window)
      throws InterruptedException {
    Map<String, Set<Integer>> seen = new HashMap<>(); // hashes, not the tokens: the watch must not weigh on the heap
    int late = 0;
    Instant end = Instant.now().plus(window);
    while (Instant.now().isBefore(end)) {
      Instant now = Instant.now();
      for (Secret secret : keymint.client().secrets().inNamespace(namespace).withLabel("keymint.io/kind", "AppToken")
          .list().getItems()) {
        Map<String, String> data = OutputSecrets.decode(secret);
        if (data.get("expires_at") != null && !Instant.parse(data.get("expires_at")).isAfter(now)) {
          late++;
        }
        seen.computeIfAbsent(secret.getMetadata().getName(), k -> new HashSet<>()).add(data.get("access_token").hashCode());
      }
      Thread.sleep(1000);
    }
    int refreshes = seen.values().stream().mapToInt(s -> s.size() - 1).sum();
    int never = (int) seen.values().stream().filter(s -> s.size() < 2).count() + Math.max(0, tokens - seen.size());
    return new RefreshWatch(refreshes, late, never);
  }

  /** The top lines of the JVM's class histogram (jcmd GC.class_histogram), through the diagnostic MBean. */
  private static List<String> histogram(int lines) {
    try {
      var server = ManagementFactory.getPlatformMBeanServer();
      var name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
      String text = (String) server.invoke(name, "gcClassHistogram", new Object[] {null}, new String[] {String[].class.getName()});
      return text.lines().skip(1).limit(lines + 2).toList();
    } catch (Exception e) {
      return List.of("(no histogram: " + e.getClass().getSimpleName() + ")");
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  /** Resident set size of this JVM, from /proc (Linux). */
  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return -1;
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
