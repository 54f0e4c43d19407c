package io.keymint.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.MockApiServerMain;
import io.keymint.testing.TestRealm;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What one issued token and one refresh cost (issue 18), measured from outside: Keymint runs as its own JVM
 * and is seen only through the Kubernetes API, the identity provider and its {@code /metrics}, so this
 * benchmark does not change when Keymint's code does. Run alone with
 *
 * <pre>
 * mvn -Pbenchmark verify -Dbenchmark.only=issuance-cost [-Dbenchmark.tokens=1000 -Dbenchmark.refreshSeconds=120
 *     -Dbenchmark.lifespan=90s -Dbenchmark.jfr=true]
 * </pre>
 *
 * ({@code mvn -Pbenchmark verify} runs it after the other two benchmarks.) Three processes besides this driver,
 * so that CPU time separates by process: the mock API ({@link MockApiServerMain}: the realistic dispatcher of
 * the tests, watch events 300 ms late, every request counted by client, verb, resource and answer code), the
 * real Keycloak ({@link KeycloakServer}), and Keymint ({@code io.keymint.Main run} on its runtime class path,
 * with the JVM options of deploy/base's Deployment and the settings the integration tests use; its API client
 * has a User-Agent of its own). In one run:
 * <ol>
 *   <li>one ClientApplication; warm-up: N/10 (at most 100) AppTokens issued and deleted again, and 5,000
 *       client_credentials grants from a plain client (JIT warm-up of Keymint and Keycloak);</li>
 *   <li>idle: Keymint's, Keycloak's and the mock's CPU per second with nothing to do;</li>
 *   <li>plain client, before: N client_credentials grants for the application's client from a JDK HttpClient on
 *       HTTP/1.1 with keep-alive, at Keymint's concurrency for one namespace; Keycloak's CPU per grant;</li>
 *   <li>issuance: N AppTokens created at once by this driver (50 threads), until every token Secret holds an
 *       access_token and Keymint's API calls have stopped: Keymint's CPU per issued token (the driver's creates
 *       are not in it), its API calls per token by verb, resource and code (informers' lists and watches
 *       apart), identity-provider requests per token (Keymint's metrics), Keycloak's CPU per grant;</li>
 *   <li>refresh: a steady window of {@code benchmark.refreshSeconds} with the application's short token
 *       lifespan: the same per refresh (refreshes counted by Keymint's {@code keymint_token_refresh_total},
 *       cross-checked with its Secret writes);</li>
 *   <li>Keymint stopped, then the plain client again (after); for comparison the same with the JDK HttpClient's
 *       default version (HTTP/2, an h2c upgrade on http://), and as many grants as Keymint made paced to
 *       Keymint's rate in the issuance window ({@code -Dbenchmark.pacedPlain=false} leaves it out): Keycloak's
 *       cost per grant of a slow stream, to tell it from the cost of Keymint's requests;</li>
 *   <li>with {@code -Dbenchmark.jfr=true} (a flight recording of Keymint, {@code settings=profile}), a profile of
 *       where Keymint's CPU went in each window; always, Keymint's CPU by thread from /proc.</li>
 * </ol>
 * Prints each figure beside the one stored in {@code src/test/resources/bench/issuance-cost-before.properties}
 * (the code before issue 18's change) and the target; writes this run's figures to
 * {@code target/bench/issuance-cost.properties} in the same form, and the report, Keymint's log, the mock's
 * request log and the recording beside it. The mock API is slow, so rates show the mock; CPU per unit of work
 * and calls per token do not depend on it. Asserts nothing (a benchmark, not a test).
 */
public final class IssuanceCostBenchmark {

  static final String NAME = "issuance-cost";
  private static final String DRIVER_AGENT = "keymint-bench-driver";
  /** The User-Agent of Keymint's API client (Fabric8's {@code kubernetes.user.agent}). */
  private static final String KEYMINT_AGENT = "keymint-bench-operator";
  private static final String NAMESPACE = "bench";
  private static final String OPERATOR_NAMESPACE = "keymint-system";
  private static final String APP = "bench";
  private static final String APP_SECRET = APP + "-client";
  private static final int CREATE_THREADS = 50;
  private static final Path OUT = Path.of("target", "bench");
  private static final String BEFORE_RESOURCE = "/bench/issuance-cost-before.properties";
  /**
   * deploy/base's Deployment: a 512Mi memory limit and {@code JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75
   * -XX:+ExitOnOutOfMemoryError}, so a 384 MiB heap; a JVM that sees less than 1792 MiB of memory is no
   * "server class machine" and picks the Serial collector, as it does in that pod.
   */
  private static final String DEPLOYMENT_JVM_OPTIONS =
      "-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError";
  private static final ResourceDefinitionContext APP_TOKENS = new ResourceDefinitionContext.Builder()
      .withGroup("keymint.io").withVersion("v1alpha1").withKind("AppToken").withPlural("apptokens").withNamespaced(true)
      .build();
  private static final ResourceDefinitionContext CLIENT_APPLICATIONS = new ResourceDefinitionContext.Builder()
      .withGroup("keymint.io").withVersion("v1alpha1").withKind("ClientApplication").withPlural("clientapplications")
      .withNamespaced(true).build();

  private final int tokens = Integer.getInteger("benchmark.tokens", 1000);
  private final int warmupTokens = Integer.getInteger("benchmark.warmupTokens", Math.min(100, Math.max(1, tokens / 10)));
  private final int refreshSeconds = Integer.getInteger("benchmark.refreshSeconds", 120);
  /** Keycloak's JIT keeps improving its cost per grant for thousands of grants: warm it up well before measuring. */
  private final int keycloakWarmup = Integer.getInteger("benchmark.keycloakWarmup", Math.max(5000, tokens));
  private final int idleSeconds = Integer.getInteger("benchmark.idleSeconds", 10);
  private final String lifespan = System.getProperty("benchmark.lifespan", "90s");
  /** KEYMINT_MAX_CONCURRENT_PER_NAMESPACE's default: a quarter of the 50 reconcile threads for one namespace. */
  private final int plainConcurrency = Integer.getInteger("benchmark.plainConcurrency", 12);
  private final boolean jfr = Boolean.getBoolean("benchmark.jfr");
  /**
   * JFR's method sampling: {@code high} (profile's default, every 10 ms), {@code max} (every 1 ms: more samples,
   * more overhead). JDK 17's sampler takes few samples of a JVM whose threads run briefly, so a profile is best
   * taken with max, and the CPU figures without JFR.
   */
  private final String jfrSampling = System.getProperty("benchmark.jfrSampling", "high");
  private final String jvmOptions = System.getProperty("benchmark.keymintJvmOptions", DEPLOYMENT_JVM_OPTIONS);
  /** Also a plain client paced to Keymint's grant rate: tells Keycloak's cost of a slower stream from Keymint's. */
  private final boolean pacedPlain = Boolean.parseBoolean(System.getProperty("benchmark.pacedPlain", "true"));

  private Process mockProcess;
  private Process keymint;
  private KubernetesClient kube;
  private MockApiCounts mock;
  private KeycloakServer keycloak;
  private int metricsPort;
  private final Map<String, Double> figures = new LinkedHashMap<>();
  private final Map<String, String> facts = new LinkedHashMap<>();
  private final ByteArrayOutputStream reportBytes = new ByteArrayOutputStream();
  private final PrintStream report = new PrintStream(reportBytes, true, StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    if (!Benchmarks.selected(NAME)) {
      return;
    }
    IssuanceCostBenchmark benchmark = new IssuanceCostBenchmark();
    try {
      benchmark.run();
    } finally {
      benchmark.stopAll();
    }
    System.exit(0);
  }

  /** What the processes have spent so far, and Keymint's metrics. */
  private record Snapshot(Instant at, double keymint, double keymintSystem, double keycloak, double mock,
      Map<Long, ProcessCpu.ThreadTime> threads, Prometheus metrics) {}

  /** One measured window. */
  private record Phase(String name, Snapshot start, Snapshot end, Map<MockApiCounts.Key, Long> calls, int keycloakConnections) {
    double seconds() {
      return Duration.between(start.at, end.at).toMillis() / 1000.0;
    }

    double keymintCpu() {
      return end.keymint - start.keymint;
    }

    double keymintSystemCpu() {
      return end.keymintSystem - start.keymintSystem;
    }

    double keycloakCpu() {
      return end.keycloak - start.keycloak;
    }

    double mockCpu() {
      return end.mock - start.mock;
    }

    double metric(String name, String... labels) {
      return end.metrics.sum(name, labels) - start.metrics.sum(name, labels);
    }
  }

  private record PlainRun(int grants, int failures, double seconds, double keycloakCpu, int connections) {}

  private void run() throws Exception {
    Files.createDirectories(OUT);
    startMock();
    keycloak = KeycloakServer.shared();
    TestRealm realm = KeycloakExtension.createRealm(keycloak, IssuanceCostBenchmark.class);
    for (String namespace : new String[] {OPERATOR_NAMESPACE, NAMESPACE}) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    }
    startKeymint(realm);
    facts.put("keymint.pid", Long.toString(keymint.pid()));

    log("ClientApplication " + APP + " (accessTokenLifespan " + lifespan + ")");
    kube.genericKubernetesResources(CLIENT_APPLICATIONS).inNamespace(NAMESPACE).resource(resource("ClientApplication", APP,
        Map.of("accessTokenLifespan", lifespan))).create();
    Map<String, String> credentials = awaitSecret(APP_SECRET, Duration.ofMinutes(3));
    String tokenUrl = realm.tokenUrl();
    int keycloakPort = URI.create(keycloak.baseUrl()).getPort();

    log("warm-up: " + keycloakWarmup + " plain grants, " + warmupTokens + " AppTokens issued and deleted");
    plainGrants(tokenUrl, credentials, keycloakWarmup, keycloakPort, HttpClient.Version.HTTP_1_1);
    createTokens("warm-", warmupTokens);
    awaitTokens(warmupTokens, Duration.ofMinutes(5));
    deleteTokens();

    log("idle: " + idleSeconds + " s");
    mock.mark("idle");
    mock.read(true);
    Snapshot idleStart = snapshot();
    Thread.sleep(idleSeconds * 1000L);
    Snapshot idleEnd = snapshot();
    Phase idle = new Phase("idle", idleStart, idleEnd, mock.read(true), -1);

    log("plain client, before: " + tokens + " grants at concurrency " + plainConcurrency);
    PlainRun plainBefore = plainGrants(tokenUrl, credentials, tokens, keycloakPort, HttpClient.Version.HTTP_1_1);

    log("issuance: " + tokens + " AppTokens created at once from " + CREATE_THREADS + " threads");
    mock.mark("issuance");
    mock.read(true);
    TcpConnections issuanceConnections = TcpConnections.watch(keycloakPort);
    Snapshot issuanceStart = snapshot();
    ProcessCpu.Sampler issuanceThreads = new ProcessCpu.Sampler(keymint.pid());
    Instant creating = Instant.now();
    createTokens("t-", tokens);
    double createSeconds = Duration.between(creating, Instant.now()).toMillis() / 1000.0;
    int issued = awaitTokens(tokens, Duration.ofMinutes(15));
    double issueSeconds = Duration.between(creating, Instant.now()).toMillis() / 1000.0;
    awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));
    Snapshot issuanceEnd = withThreads(snapshot(), issuanceThreads);
    Phase issuance = new Phase("issuance", issuanceStart, issuanceEnd, mock.read(true), issuanceConnections.opened());
    issuanceConnections.close();

    log("refresh: " + refreshSeconds + " s");
    mock.mark("refresh");
    TcpConnections refreshConnections = TcpConnections.watch(keycloakPort);
    Snapshot refreshStart = snapshot();
    ProcessCpu.Sampler refreshThreads = new ProcessCpu.Sampler(keymint.pid());
    Thread.sleep(refreshSeconds * 1000L);
    Snapshot refreshEnd = withThreads(snapshot(), refreshThreads);
    Phase refresh = new Phase("refresh", refreshStart, refreshEnd, mock.read(true), refreshConnections.opened());
    refreshConnections.close();
    int expired = expiredTokens();
    mock.mark("end");

    log("stopping Keymint");
    stopKeymint();
    log("plain client, after: " + tokens + " grants at concurrency " + plainConcurrency);
    PlainRun plainAfter = plainGrants(tokenUrl, credentials, tokens, keycloakPort, HttpClient.Version.HTTP_1_1);
    log("plain client with the JDK HttpClient's default version (HTTP/2, upgrade over cleartext): " + tokens + " grants");
    PlainRun plainHttp2 = plainGrants(tokenUrl, credentials, tokens, keycloakPort, HttpClient.Version.HTTP_2);

    double keymintGrants = issuance.metric(IDP_METRIC, "target", "token_endpoint");
    double keymintRate = keymintGrants / issueSeconds; // from the first create to the last token
    PlainRun plainPaced = null;
    if (pacedPlain && keymintRate > 0) {
      log(String.format("plain client paced to Keymint's grant rate in the issuance window (%.1f/s): %.0f grants",
          keymintRate, keymintGrants));
      plainPaced = plainGrants(tokenUrl, credentials, (int) keymintGrants, keycloakPort, HttpClient.Version.HTTP_1_1,
          keymintRate);
    }

    compute(idle, plainBefore, issuance, refresh, plainAfter, issued);
    double keycloakIdle = figures.get("keycloak.idle.cpu.ms.per.second");
    figures.put("keycloak.cpu.ms.per.grant.plain.http2",
        (plainHttp2.keycloakCpu() - keycloakIdle * plainHttp2.seconds()) / plainHttp2.grants());
    figures.put("keycloak.connections.per.grant.plain.http2", plainHttp2.connections() / (double) plainHttp2.grants());
    if (plainPaced != null) {
      figures.put("keycloak.cpu.ms.per.grant.plain.paced",
          (plainPaced.keycloakCpu() - keycloakIdle * plainPaced.seconds()) / plainPaced.grants());
      figures.put("keycloak.cpu.ratio.paced", figures.get("keycloak.cpu.ms.per.grant.keymint.idleAdjusted")
          / figures.get("keycloak.cpu.ms.per.grant.plain.paced"));
    }
    facts.put("issuance.createSeconds", String.format("%.1f", createSeconds));
    facts.put("issuance.seconds", String.format("%.1f", issueSeconds));
    facts.put("refresh.expiredAtEnd", Integer.toString(expired));
    printReport(idle, plainBefore, issuance, refresh, plainAfter, issued, createSeconds, issueSeconds, expired);
    if (jfr) {
      profile(issuance, refresh);
    }
    String text = reportBytes.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    Files.writeString(OUT.resolve("issuance-cost.txt"), text);
    writeFigures(OUT.resolve("issuance-cost.properties"));
    System.out.println("  (this run's figures: " + OUT.resolve("issuance-cost.properties") + "; Keymint's log: "
        + OUT.resolve("keymint.log") + "; every API request: " + OUT.resolve("mock-requests.log") + ")");
  }

  // ---------------------------------------------------------------------------------------------- processes

  private void startMock() throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-cp", System.getProperty("java.class.path"),
        "-D" + MockApiServerMain.REQUEST_LOG_PROPERTY + "=" + OUT.resolve("mock-requests.log").toAbsolutePath()));
    if (System.getProperty("logback.configurationFile") != null) {
      command.add("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"));
    }
    command.add(MockApiServerMain.class.getName());
    mockProcess = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(mockProcess.getInputStream(), StandardCharsets.UTF_8));
    String url = out.readLine();
    String control = out.readLine();
    if (url == null || control == null || !control.startsWith(MockApiServerMain.CONTROL_PREFIX)) {
      throw new IllegalStateException("the mock API did not start (said " + url + " / " + control + ")");
    }
    drain(out, "mock: ");
    mock = new MockApiCounts(control.substring(MockApiServerMain.CONTROL_PREFIX.length()));
    kube = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).withTrustCerts(true)
        .withNamespace(NAMESPACE).withRequestTimeout(60_000).withUserAgent(DRIVER_AGENT).build()).build();
    facts.put("mock.pid", Long.toString(mockProcess.pid()));
  }

  private void startKeymint(TestRealm realm) throws Exception {
    metricsPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(List.of(jvmOptions.trim().split("\\s+")));
    if (jfr) {
      Files.deleteIfExists(OUT.resolve("keymint.jfr"));
      command.add("-XX:FlightRecorderOptions:stackdepth=256");
      command.add("-XX:StartFlightRecording=filename=" + OUT.resolve("keymint.jfr").toAbsolutePath()
          + ",settings=profile,dumponexit=true" + (jfrSampling.isBlank() ? "" : ",method-profiling=" + jfrSampling));
    }
    command.addAll(List.of(
        "-Dkubernetes.master=" + kube.getConfiguration().getMasterUrl(),
        "-Dkubernetes.trust.certificates=true",
        "-Dkubernetes.namespace=" + OPERATOR_NAMESPACE,
        "-Dkubernetes.auth.tryKubeConfig=false",
        "-Dkubernetes.auth.tryServiceAccount=false",
        "-Dkubernetes.user.agent=" + KEYMINT_AGENT,
        "-cp", runtimeClasspath(), "io.keymint.Main", "run"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(OUT.resolve("keymint.log").toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("KEYMINT_") || name.startsWith("KUBERNETES_") || name.equals("KUBECONFIG")
        || name.startsWith("JAVA_TOOL_OPTIONS") || name.startsWith("JDK_JAVA_OPTIONS"));
    // as the integration tests' KeymintFixture sets it up: the realm's least-privilege admin client, plain HTTP on loopback
    env.put("KEYMINT_KEYCLOAK_URL", realm.baseUrl());
    env.put("KEYMINT_KEYCLOAK_REALM", realm.name());
    env.put("KEYMINT_KEYCLOAK_AUTH_REALM", realm.name());
    env.put("KEYMINT_KEYCLOAK_CLIENT_ID", realm.adminClientId());
    env.put("KEYMINT_KEYCLOAK_CLIENT_SECRET", realm.adminClientSecret());
    env.put("KEYMINT_ALLOW_HTTP", "true");
    env.put("KEYMINT_HTTP_PORT", Integer.toString(metricsPort));
    facts.put("keymint.command", String.join(" ", command.subList(0, command.indexOf("-cp"))) + " -cp ... io.keymint.Main run");
    keymint = builder.start();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    while (true) {
      if (!keymint.isAlive()) {
        throw new IllegalStateException("Keymint exited with " + keymint.exitValue() + "; see " + OUT.resolve("keymint.log"));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/readyz")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("Keymint not ready after 2 minutes; see " + OUT.resolve("keymint.log"));
      }
      Thread.sleep(250);
    }
  }

  /**
   * Keymint's runtime class path, as in its image (target/classes and the runtime dependencies; no test
   * classes, so production's logback.xml): the file the profile's dependency:build-classpath writes, else this
   * JVM's test class path.
   */
  private static String runtimeClasspath() throws IOException {
    String file = System.getProperty("benchmark.runtimeClasspath");
    String classes = System.getProperty("benchmark.classes", Path.of("target", "classes").toAbsolutePath().toString());
    if (file != null && Files.isRegularFile(Path.of(file))) {
      return classes + File.pathSeparator + Files.readString(Path.of(file)).trim();
    }
    System.err.println("(no runtime class path file (benchmark.runtimeClasspath); Keymint runs on the test class path)");
    return System.getProperty("java.class.path");
  }

  private void stopKeymint() throws InterruptedException {
    if (keymint != null && keymint.isAlive()) {
      keymint.destroy(); // SIGTERM: the shutdown hook stops the operator, and the recording is written
      if (!keymint.waitFor(90, TimeUnit.SECONDS)) {
        keymint.destroyForcibly();
      }
    }
  }

  private void stopAll() {
    try {
      stopKeymint();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (kube != null) {
      kube.close();
    }
    if (mockProcess != null) {
      try {
        mockProcess.getOutputStream().close();
        if (!mockProcess.waitFor(30, TimeUnit.SECONDS)) {
          mockProcess.destroy();
        }
      } catch (IOException | InterruptedException e) {
        mockProcess.destroy();
      }
    }
    if (keycloak != null) {
      keycloak.stop();
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void drain(Reader reader, String prefix) {
    Thread thread = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(reader)) {
        for (String line; (line = lines.readLine()) != null; ) {
          System.err.println(prefix + line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "drain-" + prefix.trim());
    thread.setDaemon(true);
    thread.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private Snapshot snapshot() {
    Prometheus metrics = new Prometheus(keymint.isAlive() ? scrape() : "");
    return new Snapshot(Instant.now(), ProcessCpu.millis(keymint.toHandle()), ProcessCpu.userSystem(keymint.pid())[1],
        ProcessCpu.treeMillis(keycloak.processHandle()),
        ProcessCpu.millis(mockProcess.toHandle()), ProcessCpu.threads(keymint.pid()), metrics);
  }

  /** The snapshot with every thread the sampler saw during the window, not only those alive at its end. */
  private static Snapshot withThreads(Snapshot snapshot, ProcessCpu.Sampler sampler) {
    return new Snapshot(snapshot.at(), snapshot.keymint(), snapshot.keymintSystem(), snapshot.keycloak(), snapshot.mock(),
        sampler.stop(snapshot.threads()), snapshot.metrics());
  }

  private String scrape() {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  // -------------------------------------------------------------------------------------------- the scenario

  private static GenericKubernetesResource resource(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion("keymint.io/v1alpha1").withKind(kind)
        .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withAdditionalProperties(Map.of("spec", spec)).build();
  }

  /** {@code count} AppTokens taking the application's token, created from CREATE_THREADS threads at once. */
  private void createTokens(String prefix, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      GenericKubernetesResource token = resource("AppToken", prefix + i, Map.of("clientApplicationRef", Map.of("name", APP)));
      creates.add(pool.submit(() -> kube.genericKubernetesResources(APP_TOKENS).inNamespace(NAMESPACE).resource(token).create()));
    }
    for (Future<?> create : creates) {
      create.get();
    }
    pool.shutdown();
  }

  /** Waits until {@code count} token Secrets hold an access token; returns how many did. */
  private int awaitTokens(int count, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int have = 0;
    while (Instant.now().isBefore(deadline)) {
      have = (int) tokenSecrets().stream().filter(s -> s.getData() != null && s.getData().containsKey("access_token")).count();
      if (have >= count) {
        return have;
      }
      Thread.sleep(count > 200 ? 2000 : 500);
    }
    System.err.println("only " + have + " of " + count + " token Secrets hold a token after " + timeout);
    return have;
  }

  private List<Secret> tokenSecrets() {
    return kube.secrets().inNamespace(NAMESPACE).withLabel("keymint.io/kind", "AppToken").list().getItems();
  }

  /** Deletes every AppToken (Keymint removes its finalizer) and then every token Secret left. */
  private void deleteTokens() throws InterruptedException {
    kube.genericKubernetesResources(APP_TOKENS).inNamespace(NAMESPACE).delete();
    await("AppTokens deleted", () -> kube.genericKubernetesResources(APP_TOKENS).inNamespace(NAMESPACE).list().getItems().isEmpty());
    kube.secrets().inNamespace(NAMESPACE).withLabel("keymint.io/kind", "AppToken").delete();
    await("token Secrets deleted", () -> tokenSecrets().isEmpty());
  }

  private static void await(String what, Supplier<Boolean> done) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (!done.get()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("not " + what + " after 3 minutes");
      }
      Thread.sleep(500);
    }
  }

  /** Waits until Keymint has made no API call but its informers' for {@code quiet} (the last status writes). */
  private void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
    Instant deadline = Instant.now().plus(max);
    long last = -1;
    Instant changed = Instant.now();
    while (Instant.now().isBefore(deadline)) {
      long calls = MockApiCounts.total(mock.read(false), k -> k.client().equals(KEYMINT_AGENT) && !k.informer());
      if (calls != last) {
        last = calls;
        changed = Instant.now();
      } else if (Duration.between(changed, Instant.now()).compareTo(quiet) >= 0) {
        return;
      }
      Thread.sleep(250);
    }
  }

  private Map<String, String> awaitSecret(String name, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Secret secret = kube.secrets().inNamespace(NAMESPACE).withName(name).get();
      if (secret != null && secret.getData() != null && secret.getData().containsKey("client_secret")) {
        Map<String, String> data = new LinkedHashMap<>();
        secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return data;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("no Secret " + name + " with a client_secret after " + timeout + "; see "
        + OUT.resolve("keymint.log"));
  }

  /** Token Secrets whose expires_at has passed (a refresh that came late). */
  private int expiredTokens() {
    Instant now = Instant.now();
    int expired = 0;
    for (Secret secret : tokenSecrets()) {
      String at = secret.getData() == null ? null : secret.getData().get("expires_at");
      if (at != null && !Instant.parse(new String(Base64.getDecoder().decode(at), StandardCharsets.UTF_8).trim()).isAfter(now)) {
        expired++;
      }
    }
    return expired;
  }

  /**
   * {@code count} client_credentials grants for the application's client, {@link #plainConcurrency} at a time,
   * from one JDK HttpClient, HTTP Basic as Keymint authenticates; Keycloak's CPU over them. On HTTP/1.1 each
   * worker keeps its connection alive; {@code HTTP_2} is the JDK's default, which on http:// asks the server to
   * upgrade each new connection (h2c).
   */
  private PlainRun plainGrants(String tokenUrl, Map<String, String> credentials, int count, int keycloakPort,
      HttpClient.Version version) throws Exception {
    return plainGrants(tokenUrl, credentials, count, keycloakPort, version, 0);
  }

  /** As above; with {@code perSecond} above 0, grant i is not sent before {@code i / perSecond} seconds from the start. */
  private PlainRun plainGrants(String tokenUrl, Map<String, String> credentials, int count, int keycloakPort,
      HttpClient.Version version, double perSecond) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    String basic = Base64.getEncoder().encodeToString((form(credentials.get("client_id")) + ":"
        + form(credentials.get("client_secret"))).getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create(tokenUrl)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
    AtomicInteger remaining = new AtomicInteger(count);
    AtomicInteger failures = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(plainConcurrency);
    try (TcpConnections connections = TcpConnections.watch(keycloakPort)) {
      double cpuBefore = ProcessCpu.treeMillis(keycloak.processHandle());
      Instant start = Instant.now();
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < plainConcurrency; i++) {
        workers.add(pool.submit(() -> {
          for (int left; (left = remaining.getAndDecrement()) > 0; ) {
            if (perSecond > 0) {
              long due = start.toEpochMilli() + (long) ((count - left) * 1000 / perSecond);
              Thread.sleep(Math.max(0, due - System.currentTimeMillis()));
            }
            try {
              HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
              try (InputStream body = response.body()) {
                body.readAllBytes();
              }
              if (response.statusCode() != 200) {
                failures.incrementAndGet();
              }
            } catch (IOException e) {
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
      double cpu = ProcessCpu.treeMillis(keycloak.processHandle()) - cpuBefore;
      return new PlainRun(count, failures.get(), seconds, cpu, connections.opened());
    } finally {
      pool.shutdown();
    }
  }

  /** RFC 6749 2.3.1: the client id and secret are form-encoded before HTTP Basic. */
  private static String form(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------------- the figures

  private static final String REFRESH_METRIC = "keymint_token_refresh_total";
  private static final String IDP_METRIC = "keymint_identity_provider_requests_total";
  private static final String RECONCILES_METRIC = "operator_sdk_reconciliations_started_total";
  private static final String DEFERRED_METRIC = "keymint_reconciles_deferred_total";

  private void compute(Phase idle, PlainRun before, Phase issuance, Phase refresh, PlainRun after, int issued) {
    double keymintIdle = idle.keymintCpu() / idle.seconds();
    double keycloakIdle = idle.keycloakCpu() / idle.seconds();
    figures.put("keymint.idle.cpu.ms.per.second", keymintIdle);
    figures.put("keycloak.idle.cpu.ms.per.second", keycloakIdle);
    figures.put("mock.idle.cpu.ms.per.second", idle.mockCpu() / idle.seconds());

    // issuance: per issued token
    double n = issued;
    double grants = keymintFigures("token", "issuance", issuance, n, keymintIdle);
    figures.put("mints.per.token", issuance.metric(REFRESH_METRIC, "kind", "AppToken", "result", "success") / n);
    figures.put("mint.failures.per.token", issuance.metric(REFRESH_METRIC, "kind", "AppToken", "result", "failure") / n);
    figures.put("keycloak.connections.per.grant.keymint", issuance.keycloakConnections() / Math.max(grants, 1));
    double keycloakKeymint = issuance.keycloakCpu() / Math.max(grants, 1);
    double keycloakKeymintAdjusted = (issuance.keycloakCpu() - keycloakIdle * issuance.seconds()) / Math.max(grants, 1);
    figures.put("keycloak.cpu.ms.per.grant.keymint", keycloakKeymint);
    figures.put("keycloak.cpu.ms.per.grant.keymint.idleAdjusted", keycloakKeymintAdjusted);
    figures.put("mock.cpu.ms.per.token", issuance.mockCpu() / n);
    figures.put("issuance.tokens.per.second", n / issuance.seconds());

    // plain client
    double plainBefore = before.keycloakCpu() / before.grants();
    double plainAfter = after.keycloakCpu() / after.grants();
    double plainBeforeAdjusted = (before.keycloakCpu() - keycloakIdle * before.seconds()) / before.grants();
    double plainAfterAdjusted = (after.keycloakCpu() - keycloakIdle * after.seconds()) / after.grants();
    figures.put("keycloak.cpu.ms.per.grant.plain.before", plainBefore);
    figures.put("keycloak.cpu.ms.per.grant.plain.after", plainAfter);
    figures.put("keycloak.cpu.ms.per.grant.plain", (plainBefore + plainAfter) / 2);
    figures.put("keycloak.cpu.ms.per.grant.plain.idleAdjusted", (plainBeforeAdjusted + plainAfterAdjusted) / 2);
    figures.put("keycloak.connections.per.grant.plain", (before.connections() + after.connections()) / (2.0 * before.grants()));
    figures.put("keycloak.cpu.ratio", keycloakKeymintAdjusted / ((plainBeforeAdjusted + plainAfterAdjusted) / 2));
    figures.put("keycloak.cpu.ratio.raw", keycloakKeymint / ((plainBefore + plainAfter) / 2));
    figures.put("plain.grants.per.second", (before.grants() / before.seconds() + after.grants() / after.seconds()) / 2);

    // refresh: per refresh
    double refreshes = refresh.metric(REFRESH_METRIC, "kind", "AppToken", "result", "success");
    figures.put("refreshes", refreshes);
    figures.put("refresh.failures", refresh.metric(REFRESH_METRIC, "kind", "AppToken", "result", "failure"));
    if (refreshes < 1) {
      System.err.println("no refresh in the refresh window: make it longer than two thirds of the lifespan " + lifespan);
      return;
    }
    double per = refreshes;
    double refreshGrants = keymintFigures("refresh", "refresh", refresh, per, keymintIdle);
    figures.put("keycloak.cpu.ms.per.grant.refresh",
        (refresh.keycloakCpu() - keycloakIdle * refresh.seconds()) / Math.max(refreshGrants, 1));
    figures.put("keycloak.connections.per.grant.refresh", refresh.keycloakConnections() / Math.max(refreshGrants, 1));
    figures.put("secret.writes.per.refresh", MockApiCounts.total(refresh.calls(),
        k -> k.client().equals(KEYMINT_AGENT) && k.write() && k.resource().equals("secrets")) / per);
  }

  /** CPU milliseconds of the JIT compiler threads (C1 and C2 CompilerThread#) in the phase. */
  /**
   * Keymint's CPU, API calls, identity-provider requests and reconciles per unit ({@code token} or
   * {@code refresh}) of a phase; returns the token-endpoint requests of the phase.
   */
  private double keymintFigures(String unit, String phaseName, Phase phase, double count, double keymintIdle) {
    figures.put("keymint.cpu.ms.per." + unit, phase.keymintCpu() / count);
    figures.put("keymint.cpu.ms.per." + unit + ".idleAdjusted", (phase.keymintCpu() - keymintIdle * phase.seconds()) / count);
    figures.put("keymint.cpu.system.share." + phaseName, phase.keymintSystemCpu() / phase.keymintCpu());
    figures.put("keymint.cpu.ms.per." + unit + ".withoutJit", (phase.keymintCpu() - jit(phase)) / count);
    apiFigures("per." + unit, phase, count);
    double grants = phase.metric(IDP_METRIC, "target", "token_endpoint");
    double admin = phase.metric(IDP_METRIC, "target", "keycloak_admin");
    figures.put("idp.requests.per." + unit, (grants + admin) / count);
    figures.put("idp.token.requests.per." + unit, grants / count);
    figures.put("idp.admin.requests.per." + unit, admin / count);
    figures.put("reconciles.per." + unit, phase.metric(RECONCILES_METRIC) / count);
    figures.put("reconciles.deferred.per." + unit, phase.metric(DEFERRED_METRIC) / count);
    return grants;
  }

  private static double jit(Phase phase) {
    return ProcessCpu.threadDelta(phase.start().threads(), phase.end().threads(), phase.keymintCpu()).entrySet().stream()
        .filter(e -> e.getKey().contains("CompilerThre")).mapToDouble(e -> e.getValue()[0]).sum();
  }

  /** API calls of Keymint in the phase, per unit: writes, reads, each call; informers' lists and watches in total. */
  private void apiFigures(String unit, Phase phase, double per) {
    Map<MockApiCounts.Key, Long> calls = phase.calls();
    figures.put("api.writes." + unit, MockApiCounts.total(calls, k -> k.client().equals(KEYMINT_AGENT) && k.write()) / per);
    figures.put("api.reads." + unit, MockApiCounts.total(calls, k -> k.client().equals(KEYMINT_AGENT) && k.read()) / per);
    figures.put("api.informer.calls." + unit.replace("per.", ""),
        (double) MockApiCounts.total(calls, k -> k.client().equals(KEYMINT_AGENT) && k.informer()));
    MockApiCounts.byCall(calls, KEYMINT_AGENT, false).forEach((call, codes) ->
        figures.put("api.call." + unit + "." + call, codes.values().stream().mapToLong(Long::longValue).sum() / per));
  }

  private void printReport(Phase idle, PlainRun before, Phase issuance, Phase refresh, PlainRun after, int issued,
      double createSeconds, double issueSeconds, int expired) {
    Properties was = loadBefore();
    String wasLabel = was.isEmpty() ? "none stored (" + BEFORE_RESOURCE + ")"
        : was.getProperty("commit", "?") + ", " + was.getProperty("date", "?") + ", " + was.getProperty("tokens", "?")
        + " tokens, JFR " + was.getProperty("jfr", "?");
    PrintStream out = report;
    out.println();
    out.printf("Issuance cost (issue 18): %d AppTokens of one ClientApplication (accessTokenLifespan %s), Keymint in its own"
        + " JVM (%s%s), the mock API (watch lag 300 ms) and Keycloak in theirs; %d cores%n", tokens, lifespan, jvmOptions,
        jfr ? ", JFR on, method-profiling=" + jfrSampling : "", Runtime.getRuntime().availableProcessors());
    out.printf("  issuance: %d of %d tokens issued in %.1f s from the first create (the driver's %d creates took %.1f s),"
        + " measured window %.1f s; refresh window %.0f s: %.0f refreshes, %d token Secrets expired at its end%n",
        issued, tokens, issueSeconds, tokens, createSeconds, issuance.seconds(), refresh.seconds(), figures.get("refreshes"),
        expired);
    out.println();
    out.println("  before = " + wasLabel);
    out.printf("  %-58s %12s %16s %10s%n", "", "now", "before", "target");
    row("Keymint CPU per issued token (ms)", "keymint.cpu.ms.per.token", was, "<= 5");
    row("  less Keymint's idle CPU over the window", "keymint.cpu.ms.per.token.idleAdjusted", was, "");
    row("  less the JIT compiler threads (warm-up; see the threads below)", "keymint.cpu.ms.per.token.withoutJit", was, "");
    row("  system (kernel) share of it", "keymint.cpu.system.share.issuance", was, "");
    row("Keymint CPU per refresh (ms)", "keymint.cpu.ms.per.refresh", was, "<= 5");
    row("  less Keymint's idle CPU over the window", "keymint.cpu.ms.per.refresh.idleAdjusted", was, "");
    row("  less the JIT compiler threads", "keymint.cpu.ms.per.refresh.withoutJit", was, "");
    row("  system (kernel) share of it", "keymint.cpu.system.share.refresh", was, "");
    row("API writes per issued token", "api.writes.per.token", was, "2");
    row("API reads per issued token (GET, informers apart)", "api.reads.per.token", was, "0");
    callRows("per.token", was);
    row("informers' lists and watches in the issuance window (total)", "api.informer.calls.token", was, "");
    row("API writes per refresh", "api.writes.per.refresh", was, "2");
    row("API reads per refresh", "api.reads.per.refresh", was, "0");
    callRows("per.refresh", was);
    row("  Secret writes per refresh (cross-check of the count)", "secret.writes.per.refresh", was, "1");
    row("informers' lists and watches in the refresh window (total)", "api.informer.calls.refresh", was, "");
    row("identity-provider requests per issued token", "idp.requests.per.token", was, "1");
    row("  token endpoint", "idp.token.requests.per.token", was, "");
    row("  Keycloak admin API", "idp.admin.requests.per.token", was, "");
    row("identity-provider requests per refresh", "idp.requests.per.refresh", was, "1");
    row("  token endpoint", "idp.token.requests.per.refresh", was, "");
    row("  Keycloak admin API", "idp.admin.requests.per.refresh", was, "");
    row("Keycloak CPU per grant from Keymint, issuance (ms, idle out)", "keycloak.cpu.ms.per.grant.keymint.idleAdjusted", was, "");
    row("  raw", "keycloak.cpu.ms.per.grant.keymint", was, "");
    row("Keycloak CPU per grant from Keymint, refresh (ms, idle out)", "keycloak.cpu.ms.per.grant.refresh", was, "");
    row("Keycloak CPU per grant, plain keep-alive client (ms, idle out)", "keycloak.cpu.ms.per.grant.plain.idleAdjusted", was, "");
    row("  raw, mean of before and after", "keycloak.cpu.ms.per.grant.plain", was, "");
    row("  raw, before Keymint's phases", "keycloak.cpu.ms.per.grant.plain.before", was, "");
    row("  raw, after them", "keycloak.cpu.ms.per.grant.plain.after", was, "");
    row("  the JDK HttpClient's default version (HTTP/2, h2c upgrade)", "keycloak.cpu.ms.per.grant.plain.http2", was, "");
    row("  paced to Keymint's grant rate in the issuance window", "keycloak.cpu.ms.per.grant.plain.paced", was, "");
    row("ratio Keymint / plain (idle out)", "keycloak.cpu.ratio", was, "<= 1.5");
    row("  raw", "keycloak.cpu.ratio.raw", was, "");
    row("  Keymint / plain paced to Keymint's rate (idle out)", "keycloak.cpu.ratio.paced", was, "");
    row("TCP connections to Keycloak per grant: Keymint, issuance", "keycloak.connections.per.grant.keymint", was, "");
    row("  Keymint, refresh", "keycloak.connections.per.grant.refresh", was, "");
    row("  plain client", "keycloak.connections.per.grant.plain", was, "");
    row("  plain client, HTTP/2 (h2c upgrade)", "keycloak.connections.per.grant.plain.http2", was, "");
    row("token mints per issued token (keymint_token_refresh_total)", "mints.per.token", was, "1");
    row("reconciles started per issued token (JOSDK)", "reconciles.per.token", was, "");
    row("  of them put off for the namespace's share of threads", "reconciles.deferred.per.token", was, "");
    row("reconciles started per refresh", "reconciles.per.refresh", was, "");
    row("  of them put off for the namespace's share of threads", "reconciles.deferred.per.refresh", was, "");
    row("idle CPU per second (ms): Keymint", "keymint.idle.cpu.ms.per.second", was, "");
    row("  Keycloak", "keycloak.idle.cpu.ms.per.second", was, "");
    row("  mock API", "mock.idle.cpu.ms.per.second", was, "");
    row("mock API CPU per issued token (ms; the mock, not Keymint)", "mock.cpu.ms.per.token", was, "");
    row("issuance rate (tokens/s; shows the mock and this machine)", "issuance.tokens.per.second", was, "");
    row("plain client rate (grants/s)", "plain.grants.per.second", was, "");
    if (before.failures() + after.failures() > 0) {
      out.printf("  (plain client: %d failed grants before, %d after)%n", before.failures(), after.failures());
    }

    out.println();
    out.println("  Keymint's API calls by answer code, per unit (informers' lists and watches in total):");
    codes(out, "issuance, per issued token", issuance, issued);
    codes(out, "refresh, per refresh", refresh, Math.max(figures.get("refreshes"), 1));
    codes(out, "idle, in " + Math.round(idle.seconds()) + " s", idle, 1);
    Map<String, Long> others = new LinkedHashMap<>();
    for (Phase phase : List.of(issuance, refresh)) {
      phase.calls().forEach((k, v) -> {
        if (!k.client().equals(KEYMINT_AGENT) && !k.client().equals(DRIVER_AGENT)) {
          others.merge(k.client() + " " + k.call(), v, Long::sum);
        }
      });
    }
    if (!others.isEmpty()) {
      out.println("  requests from other clients (neither Keymint's User-Agent nor the driver's): " + others);
    }

    out.println();
    out.println("  Keymint's CPU by thread (from /proc; ms per unit):");
    threads(out, "issuance, per issued token", issuance, issued);
    threads(out, "refresh, per refresh", refresh, Math.max(figures.get("refreshes"), 1));
  }

  private void row(String label, String key, Properties was, String target) {
    Double now = figures.get(key);
    String before = was.getProperty(key);
    report.printf("  %-58s %12s %16s %10s%n", label, now == null ? "-" : format(now),
        before == null ? "-" : format(Double.parseDouble(before)), target);
  }

  /** One row per API call of this run or the stored one: {@code POST secrets}, {@code PATCH/merge apptokens/status}... */
  private void callRows(String unit, Properties was) {
    TreeSet<String> calls = new TreeSet<>();
    String prefix = "api.call." + unit + ".";
    figures.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(calls::add);
    was.stringPropertyNames().stream().filter(k -> k.startsWith(prefix)).forEach(calls::add);
    for (String key : calls) {
      row("  " + key.substring(prefix.length()), key, was, "");
    }
  }

  private void codes(PrintStream out, String title, Phase phase, double per) {
    out.println("    " + title + ":");
    for (boolean informers : new boolean[] {false, true}) {
      MockApiCounts.byCall(phase.calls(), KEYMINT_AGENT, informers).forEach((call, codes) -> {
        StringBuilder line = new StringBuilder();
        codes.forEach((code, count) -> line.append(line.length() == 0 ? "" : ", ").append(code == 0 ? "websocket" : code)
            .append(": ")
            .append(informers ? Long.toString(count) : format(count / per)));
        out.printf("      %-70s %s%n", (informers ? "(informer) " : "") + call, line);
      });
    }
  }

  private void threads(PrintStream out, String title, Phase phase, double per) {
    Map<String, double[]> groups = ProcessCpu.threadDelta(phase.start().threads(), phase.end().threads(), phase.keymintCpu());
    out.printf("    %s (%.0f ms in all, %.2f per unit; ms per unit, share, of which in the kernel):%n", title,
        phase.keymintCpu(), phase.keymintCpu() / per);
    groups.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(14)
        .forEach(e -> out.printf("      %8.2f  %5.1f%%  %5s  %s%n", e.getValue()[0] / per,
            100 * e.getValue()[0] / phase.keymintCpu(),
            e.getValue()[0] > 0 && e.getValue()[1] >= 0 ? String.format("%.0f%%", 100 * e.getValue()[1] / e.getValue()[0]) : "",
            e.getKey()));
  }

  private void profile(Phase issuance, Phase refresh) throws IOException {
    Path recording = OUT.resolve("keymint.jfr");
    if (!Files.isRegularFile(recording)) {
      report.println("  (no recording at " + recording + ")");
      return;
    }
    JfrProfile.Window issuing = new JfrProfile.Window("issuance", issuance.start().at(), issuance.end().at());
    JfrProfile.Window refreshing = new JfrProfile.Window("refresh", refresh.start().at(), refresh.end().at());
    JfrProfile.Window both = new JfrProfile.Window("issuance and refresh", issuance.start().at(), refresh.end().at());
    JfrProfile.read(recording, List.of(issuing, refreshing, both));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
    issuing.print(out, issuance.keymintCpu());
    refreshing.print(out, refresh.keymintCpu());
    both.print(out, issuance.keymintCpu() + refresh.keymintCpu());
    Files.write(OUT.resolve("keymint-profile.txt"), text.toByteArray());
    report.print(text.toString(StandardCharsets.UTF_8));
    report.println("  (recording: " + recording + "; the profile also in " + OUT.resolve("keymint-profile.txt") + ")");
  }

  private static String format(double value) {
    return Math.abs(value) >= 100 ? String.format("%.0f", value) : Math.abs(value) >= 10 ? String.format("%.1f", value)
        : String.format("%.2f", value);
  }

  private Properties loadBefore() {
    Properties before = new Properties();
    String file = System.getProperty("benchmark.before");
    try (InputStream in = file != null ? Files.newInputStream(Path.of(file))
        : IssuanceCostBenchmark.class.getResourceAsStream(BEFORE_RESOURCE)) {
      if (in != null) {
        before.load(in);
      }
    } catch (IOException e) {
      System.err.println("cannot read the stored figures: " + e);
    }
    return before;
  }

  /** This run's figures, in the form of issuance-cost-before.properties (copy it there to make it the baseline). */
  private void writeFigures(Path file) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# Issuance cost (IssuanceCostBenchmark), one run; figures per issued token, per refresh or per grant.\n");
    text.append("# commit: the last commit of src/main (the code measured), -dirty if src/main has changes not committed\n");
    text.append("commit=").append(git("log", "-1", "--format=%h", "--", "src/main"))
        .append(git("status", "--porcelain", "--", "src/main").isEmpty() ? "" : "-dirty").append('\n');
    text.append("benchmarkCommit=").append(git("describe", "--always", "--dirty", "--abbrev=7")).append('\n');
    text.append("date=").append(DateTimeFormatter.ISO_LOCAL_DATE.format(Instant.now().atOffset(ZoneOffset.UTC))).append('\n');
    text.append("tokens=").append(tokens).append('\n');
    text.append("refreshSeconds=").append(refreshSeconds).append('\n');
    text.append("lifespan=").append(lifespan).append('\n');
    text.append("plainConcurrency=").append(plainConcurrency).append('\n');
    text.append("jfr=").append(jfr ? "on, method-profiling=" + jfrSampling : "off").append('\n');
    text.append("keymintJvmOptions=").append(jvmOptions).append('\n');
    text.append("cores=").append(Runtime.getRuntime().availableProcessors()).append('\n');
    facts.forEach((k, v) -> {
      if (!k.endsWith(".pid") && !k.equals("keymint.command")) {
        text.append(k).append('=').append(v).append('\n');
      }
    });
    figures.forEach((k, v) -> text.append(k.replace(" ", "\\ ").replace(":", "\\:").replace("=", "\\="))
        .append('=').append(String.format(java.util.Locale.ROOT, "%.4f", v)).append('\n'));
    Files.writeString(file, text.toString());
  }

  private static String git(String... arguments) {
    try {
      List<String> command = new ArrayList<>(List.of("git"));
      command.addAll(List.of(arguments));
      Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return git.waitFor() == 0 ? out : "unknown";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }

  private static void log(String what) {
    System.err.printf("%s [issuance-cost] %s%n", DateTimeFormatter.ISO_LOCAL_TIME.format(
        Instant.now().atOffset(ZoneOffset.UTC)).replaceAll("\\.\\d+$", ""), what);
  }
}
