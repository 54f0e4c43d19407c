package io.keymint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.config.ConfigException;
import io.keymint.config.OperatorConfig;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code keymint run [--flag=value ...]}: runs the operator against the current kubeconfig or in-cluster config. */
public final class Main {

  private static final String USAGE = "usage: keymint run [--keycloak-url=URL --keycloak-realm=REALM ...]"
      + " (every KEYMINT_* environment variable is also a flag; see README.md)";

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    // With fewer than 2 common-pool threads (a container with 2 CPUs or fewer) CompletableFuture starts a
    // new thread for every async step, and the Kubernetes client takes one such step per request
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
          String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    if ("json".equalsIgnoreCase(System.getenv("KEYMINT_LOG_FORMAT"))) { // before the first logger exists
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    if (args.length == 0 || !"run".equals(args[0])) {
      System.err.println(USAGE);
      System.exit(2);
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.load(System.getenv(), Arrays.copyOfRange(args, 1, args.length));
    } catch (ConfigException e) {
      System.err.println("keymint: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    KeymintOperator keymint;
    try {
      keymint = KeymintOperator.start(client, config, Clock.systemUTC(), true);
    } catch (ConfigException e) { // a setting that only the cluster could tell was missing
      System.err.println("keymint: " + e.getMessage());
      client.close();
      System.exit(2);
      return;
    } catch (KubernetesClientException e) { // e.g. the fingerprint key could not be read or created
      System.err.println("keymint: the Kubernetes API at " + client.getMasterUrl() + " did not answer as expected at start ("
          + (e.getCode() > 0 ? "HTTP " + e.getCode() : e.getClass().getSimpleName()) + ")");
      client.close();
      System.exit(1);
      return;
    }
    log.info("Keymint is running (Keycloak: {})", config.keycloak() == null ? "not configured" : config.keycloak().url());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      keymint.close();
      client.close();
      stopped.countDown();
    }, "keymint-shutdown"));
    stopped.await();
  }
}
