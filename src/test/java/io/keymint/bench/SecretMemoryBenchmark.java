package io.keymint.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.keymint.KeymintOperator;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.config.OperatorConfig;
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
 * What other people's Secrets cost Keymint's memory ({@code mvn -Pbenchmark verify
 * -Dbenchmark.main=SecretMemoryBenchmark}, {@code -Dbenchmark.secrets=5000}). The mock API server
 * runs in a process of its own, so this JVM's heap is Keymint's. Measured side by side in one run:
 * <ol>
 *   <li>Keymint's heap after GC, with no unrelated Secrets in the cluster;</li>
 *   <li>the same after N unrelated Secrets of 8 KiB appeared in another namespace (and Keymint's
 *       informers have seen them all);</li>
 *   <li>baseline: what a plain informer of all Secrets (Keymint 0.1's design) holds for the same Secrets.</li>
 * </ol>
 * Prints the differences and their ratio; asserts nothing (a benchmark, not a test).
 */
public final class SecretMemoryBenchmark {

  private static final int SECRET_BYTES = 8 * 1024;

  public static void main(String[] args) throws Exception {
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
        // One AppToken naming a Secret that comes last: its reaction shows the informers have seen the rest.
        AppToken token = new AppToken();
        token.getMetadata().setName("sentinel");
        token.getMetadata().setNamespace("team-a");
        token.setSpec(new AppTokenSpec());
        token.getSpec().clientCredentials = new AppTokenSpec.ClientCredentials();
        token.getSpec().clientCredentials.tokenUrl = "https://idp.example/token";
        token.getSpec().clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
        token.getSpec().clientCredentials.secretRef.name = "sentinel";
        client.resource(token).create();
        awaitReason(client, "SecretNotFound");
        long without = usedHeapAfterGc();

        createSecrets(client, "unrelated", count);
        client.resource(secret("team-a", "sentinel", Map.of("client_id", "c", "client_secret", "s"))).create();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
            .until(() -> !reasonOf(client).equals("SecretNotFound"));
        long with = usedHeapAfterGc();

        SharedIndexInformer<Secret> plain = client.secrets().inAnyNamespace().inform();
        await().atMost(Duration.ofMinutes(5)).until(() -> plain.getStore().list().size() > count);
        long plainInformer = usedHeapAfterGc() - with;
        plain.close();

        double data = count * (double) SECRET_BYTES;
        System.out.printf("%nSecret memory (%,d unrelated Secrets of 8 KiB = %.1f MiB of data in another namespace)%n",
            count, mib((long) data));
        System.out.printf("  Keymint heap after GC without them   %8.1f MiB%n", mib(without));
        System.out.printf("  Keymint heap after GC with them      %8.1f MiB  (+%.2f MiB; target: under 4 MiB)%n",
            mib(with), mib(with - without));
        System.out.printf("  baseline: a plain Secret informer    %8.1f MiB for the same Secrets%n", mib(plainInformer));
        System.out.printf("  ratio Keymint / plain informer        %8.3f%n", (with - without) / (double) plainInformer);
      }
    } finally {
      server.getOutputStream().close();
      server.waitFor(30, TimeUnit.SECONDS);
      server.destroy();
    }
    System.exit(0);
  }

  private static void createSecrets(KubernetesClient client, String namespace, int count) throws InterruptedException {
    Random random = new Random(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    for (int i = 0; i < count; i++) {
      byte[] bytes = new byte[SECRET_BYTES * 3 / 4]; // base64 makes 8 KiB of it
      random.nextBytes(bytes);
      Secret secret = secret(namespace, "unrelated-" + i, Map.of());
      secret.setData(Map.of("payload", Base64.getEncoder().encodeToString(bytes)));
      pool.submit(() -> client.resource(secret).create());
    }
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.MINUTES);
  }

  private static Secret secret(String namespace, String name, Map<String, String> data) {
    Map<String, String> encoded = new java.util.HashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withType("Opaque").withData(encoded).build();
  }

  private static void awaitReason(KubernetesClient client, String reason) {
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> reason.equals(reasonOf(client)));
  }

  private static String reasonOf(KubernetesClient client) {
    AppToken token = client.resources(AppToken.class).inNamespace("team-a").withName("sentinel").get();
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
