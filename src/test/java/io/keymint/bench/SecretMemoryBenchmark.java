package io.keymint.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecretList;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.keymint.KeymintOperator;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import io.keymint.api.Labels;
import io.keymint.api.SecretKeyReference;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.config.OperatorConfig;
import io.keymint.platformtoken.PlatformToken;
import io.keymint.platformtoken.PlatformTokenSpec;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What other people's Secrets cost Keymint's memory ({@code mvn -Pbenchmark verify} runs it after the
 * AppToken benchmark; alone: {@code mvn -Pbenchmark test-compile exec:exec@secret-memory-benchmark},
 * {@code -Dbenchmark.secrets=5000}). The mock API server
 * runs in a process of its own, so this JVM's heap is Keymint's. Measured side by side in one run:
 * <ol>
 *   <li>Keymint's heap after GC, with no unrelated Secrets in the cluster;</li>
 *   <li>the same after N unrelated Secrets of 8 KiB appeared in another namespace (and Keymint's
 *       informers have seen them all);</li>
 *   <li>the same after N more Secrets of 8 KiB appeared in a tenant's namespace, labelled
 *       {@code app.kubernetes.io/managed-by: keymint} as Keymint's own are (anyone can set a label):
 *       Keymint does not own them, so they must cost no more than the unrelated ones;</li>
 *   <li>baseline: what a plain informer of those Secrets (Keymint 0.1's design) holds, for each set.</li>
 * </ol>
 * Prints the differences and their ratio; asserts nothing (a benchmark, not a test).
 */
public final class SecretMemoryBenchmark {

  private static final int SECRET_BYTES = 8 * 1024;

  public static void main(String[] args) throws Exception {
    if (!Benchmarks.selected("secret-memory")) {
      return;
    }
    int count = Integer.getInteger("benchmark.secrets", 5000);
    Process server = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-Xmx2g",
        "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"),
        "io.keymint.testing.MockApiServerMain").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String url = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
        .withMasterUrl(url).withTrustCerts(true).withNamespace("keymint-system").withRequestTimeout(60_000).build()).build()) {
      for (String namespace : new String[] {"keymint-system", "team-a", "unrelated"}) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
      }
      OperatorConfig config = OperatorConfig.load(Map.of("KEYMINT_HTTP_PORT", "0"));
      try (KeymintOperator keymint = KeymintOperator.start(client, config, Clock.systemUTC(), false)) {
        // Per set of Secrets, an AppToken and a PlatformToken naming a Secret that comes last: their
        // reaction shows that both kinds' informers have seen the rest.
        sentinels(client, "unrelated-last");
        sentinels(client, "labelled-last");
        awaitReasons(client, "unrelated-last", "SecretNotFound");
        awaitReasons(client, "labelled-last", "SecretNotFound");
        long without = usedHeapAfterGc();

        createSecrets(client, "unrelated", "unrelated-", count, Map.of());
        client.resource(secret("team-a", "unrelated-last", Map.of(), CREDENTIALS)).create();
        awaitSeen(client, "unrelated-last");
        long with = usedHeapAfterGc();

        Map<String, String> managedBy = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        createSecrets(client, "team-a", "labelled-", count, managedBy);
        client.resource(secret("team-a", "labelled-last", managedBy, CREDENTIALS)).create();
        awaitSeen(client, "labelled-last");
        long withLabelled = usedHeapAfterGc();

        long plainUnrelated = plainInformer(client.secrets().inNamespace("unrelated"), count, withLabelled);
        long plainLabelled = plainInformer(client.secrets().inNamespace("team-a")
            .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE), count, withLabelled);

        double data = count * (double) SECRET_BYTES;
        System.out.printf("%nSecret memory (each set: %,d Secrets of 8 KiB = %.1f MiB of data)%n", count, mib((long) data));
        System.out.printf("  Keymint heap after GC without them              %8.1f MiB%n", mib(without));
        System.out.printf("  with the unrelated ones (another namespace)     %8.1f MiB  (+%.2f MiB; target: under 4 MiB)%n",
            mib(with), mib(with - without));
        System.out.printf("  and the labelled ones (managed-by: keymint)     %8.1f MiB  (+%.2f MiB; target: under 4 MiB)%n",
            mib(withLabelled), mib(withLabelled - with));
        System.out.printf("  baseline: a plain Secret informer               %8.1f MiB for the unrelated, %.1f MiB for the labelled%n",
            mib(plainUnrelated), mib(plainLabelled));
        System.out.printf("  ratio Keymint / plain informer                   %8.3f unrelated, %.3f labelled%n",
            (with - without) / (double) plainUnrelated, (withLabelled - with) / (double) plainLabelled);
      }
    } finally {
      server.getOutputStream().close();
      server.waitFor(30, TimeUnit.SECONDS);
      server.destroy();
    }
    System.exit(0);
  }

  private static final Map<String, String> CREDENTIALS = Map.of("client_id", "c", "client_secret", "s", "apikey", "k");

  /** What a plain informer of these Secrets holds: heap after GC with it, less {@code before}. */
  private static long plainInformer(FilterWatchListDeletable<Secret, SecretList, Resource<Secret>> secrets, int count,
      long before) throws InterruptedException {
    SharedIndexInformer<Secret> plain = secrets.inform();
    await().atMost(Duration.ofMinutes(5)).until(() -> plain.getStore().list().size() >= count);
    long held = usedHeapAfterGc() - before;
    plain.close();
    return held;
  }

  private static void createSecrets(KubernetesClient client, String namespace, String prefix, int count,
      Map<String, String> labels) throws InterruptedException {
    Random random = new Random(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    for (int i = 0; i < count; i++) {
      byte[] bytes = new byte[SECRET_BYTES * 3 / 4]; // base64 makes 8 KiB of it
      random.nextBytes(bytes);
      Secret secret = secret(namespace, prefix + i, labels, Map.of());
      secret.setData(Map.of("payload", Base64.getEncoder().encodeToString(bytes)));
      pool.submit(() -> client.resource(secret).create());
    }
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.MINUTES);
  }

  /** An AppToken and a PlatformToken in team-a, both named {@code secretName}, reading the Secret of that name. */
  private static void sentinels(KubernetesClient client, String secretName) {
    AppToken token = new AppToken();
    token.getMetadata().setName(secretName);
    token.getMetadata().setNamespace("team-a");
    token.setSpec(new AppTokenSpec());
    token.getSpec().clientCredentials = new AppTokenSpec.ClientCredentials();
    token.getSpec().clientCredentials.tokenUrl = "https://idp.example/token";
    token.getSpec().clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
    token.getSpec().clientCredentials.secretRef.name = secretName;
    client.resource(token).create();
    PlatformToken platform = new PlatformToken();
    platform.getMetadata().setName(secretName);
    platform.getMetadata().setNamespace("team-a");
    platform.setSpec(new PlatformTokenSpec());
    platform.getSpec().tokenUrl = "https://idp.example/token";
    platform.getSpec().clientId = "c";
    platform.getSpec().grant = new PlatformTokenSpec.Grant();
    platform.getSpec().grant.apiKey = new PlatformTokenSpec.ApiKeyGrant();
    platform.getSpec().grant.apiKey.secretRef = new SecretKeyReference(secretName, "apikey");
    client.resource(platform).create();
  }

  /** Both sentinels of {@code name} reacted to their Secret. */
  private static void awaitSeen(KubernetesClient client, String name) {
    await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
        .until(() -> !reasonOf(client, AppToken.class, name).equals("SecretNotFound")
            && !reasonOf(client, PlatformToken.class, name).equals("SecretNotFound"));
  }

  private static Secret secret(String namespace, String name, Map<String, String> labels, Map<String, String> data) {
    Map<String, String> encoded = new java.util.HashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
        .withType("Opaque").withData(encoded).build();
  }

  private static void awaitReasons(KubernetesClient client, String name, String reason) {
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(() -> reason.equals(reasonOf(client, AppToken.class, name)) && reason.equals(reasonOf(client, PlatformToken.class, name)));
  }

  private static <T extends CustomResource<?, ? extends KeymintStatus>> String reasonOf(KubernetesClient client, Class<T> kind,
      String name) {
    T token = client.resources(kind).inNamespace("team-a").withName(name).get();
    Condition ready = token == null || token.getStatus() == null ? null : token.getStatus().condition(Condition.READY);
    return ready == null || ready.reason == null ? "" : ready.reason;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
    }
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static double mib(long bytes) {
    return bytes / 1024.0 / 1024.0;
  }
}
