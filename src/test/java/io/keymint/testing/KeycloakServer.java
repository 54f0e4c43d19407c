package io.keymint.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.keycloak.admin.client.Keycloak;

/**
 * A real Keycloak server (the unpacked {@code keycloak-quarkus-dist}) for integration tests,
 * started at most once per JVM in dev mode on free loopback ports.
 *
 * <p>The distribution directory comes from the system property {@value #DIST_DIR_PROPERTY}, which
 * the failsafe configuration sets after {@code maven-dependency-plugin} unpacked it. Server output
 * is appended to {@code target/keycloak.log}. The dev-file H2 database lives in the distribution's
 * own {@code data/} directory (under {@code target/}) and is kept between runs, which is why the
 * bootstrap admin credentials are constant.
 */
public final class KeycloakServer {

  /** System property with the directory of the unpacked distribution (with {@code bin/kc.sh}). */
  public static final String DIST_DIR_PROPERTY = "keycloak.dist.dir";

  private static final String ADMIN_USERNAME = "keymint-it-admin";
  private static final String ADMIN_PASSWORD = "keymint-it-admin-password";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final String LOOPBACK = "127.0.0.1";
  private static final Path LOG_FILE = Path.of("target", "keycloak.log").toAbsolutePath();

  private static KeycloakServer shared;
  /** The server process last launched; read by the shutdown hook without locking. */
  private static volatile Process launched;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(KeycloakServer::stopLaunched, "keycloak-stop"));
  }

  private final Process process;
  private final String baseUrl;
  private final Keycloak masterAdmin;

  private KeycloakServer(Process process, String baseUrl, Keycloak masterAdmin) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.masterAdmin = masterAdmin;
  }

  /** Returns the JVM-wide server, starting it first if it is not running. */
  public static synchronized KeycloakServer shared() {
    if (shared == null || !shared.isRunning()) {
      shared = start(distDir());
    }
    return shared;
  }

  private static void stopLaunched() {
    Process process = launched;
    if (process != null) {
      stopTree(process);
    }
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String baseUrl() {
    return baseUrl;
  }

  /** Long-lived admin client for the bootstrap admin (realm master, client admin-cli). */
  public Keycloak masterAdmin() {
    return masterAdmin;
  }

  /**
   * The server's process ({@code kc.sh}); the Keycloak JVM is among its {@linkplain ProcessHandle#descendants()
   * descendants} (kc.sh runs it as a child, and again after a rebuild). A benchmark adds up their CPU time.
   */
  public ProcessHandle processHandle() {
    return process.toHandle();
  }

  /** Whether the server process is still alive. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Stops the server: SIGTERM to {@code kc.sh} and its Java child, then waits, then forces. Safe to
   * call more than once.
   */
  public synchronized void stop() {
    if (process.isAlive()) {
      masterAdmin.close();
      stopTree(process);
    }
  }

  /** SIGTERM to the process and its descendants, a bounded wait, then SIGKILL to what is left. */
  private static void stopTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    for (ProcessHandle handle : tree) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        handle.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        handle.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        handle.destroyForcibly();
      }
    }
  }

  private static Path distDir() {
    String value = System.getProperty(DIST_DIR_PROPERTY);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "System property " + DIST_DIR_PROPERTY + " is not set; run the integration tests with"
              + " `mvn verify`, which unpacks the Keycloak distribution and sets it");
    }
    Path dir = Path.of(value).toAbsolutePath();
    if (!Files.isRegularFile(dir.resolve("bin/kc.sh"))) {
      throw new IllegalStateException(
          "No Keycloak distribution at " + dir + " (" + DIST_DIR_PROPERTY + "); run `mvn verify`,"
              + " which unpacks it in the pre-integration-test phase");
    }
    return dir;
  }

  private static KeycloakServer start(Path distDir) {
    int[] ports = freePorts(2);
    String baseUrl = "http://" + LOOPBACK + ":" + ports[0];
    Instant started = Instant.now();
    Process process = launch(distDir, ports[0], ports[1]);
    try {
      awaitReady(process, baseUrl);
      Keycloak admin =
          Keycloak.getInstance(baseUrl, "master", ADMIN_USERNAME, ADMIN_PASSWORD, "admin-cli");
      checkAdminLogin(admin, distDir);
      KeycloakServer server = new KeycloakServer(process, baseUrl, admin);
      System.err.printf(
          "Keycloak started at %s in %.1f s (log: %s)%n",
          baseUrl, Duration.between(started, Instant.now()).toMillis() / 1000.0, LOG_FILE);
      return server;
    } catch (RuntimeException | Error e) {
      stopTree(process);
      throw e;
    }
  }

  private static Process launch(Path distDir, int httpPort, int managementPort) {
    try {
      Files.createDirectories(LOG_FILE.getParent());
      Files.writeString(
          LOG_FILE,
          "%n==== %s starting Keycloak from %s on port %d%n"
              .formatted(Instant.now(), distDir, httpPort),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      ProcessBuilder builder =
          new ProcessBuilder(
                  "/bin/sh",
                  distDir.resolve("bin/kc.sh").toString(),
                  "start-dev",
                  "--http-host=" + LOOPBACK,
                  "--http-port=" + httpPort,
                  "--http-management-port=" + managementPort,
                  "--health-enabled=true",
                  // Keycloak 26 keeps a rotated client secret only with this preview feature and a
                  // realm client policy (ClientSecretGraceIT enables the policy in its own realm)
                  "--features=client-secret-rotation")
              .directory(distDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG_FILE.toFile()));
      // kc.sh's default JVM options start fastest overall: a C1-only JIT starts 2 s sooner but
      // halves the speed of realm creation and token requests
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(name -> name.startsWith("KC_") || name.startsWith("JAVA_OPTS"));
      env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USERNAME);
      env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
      env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
      Process process = builder.start();
      launched = process;
      process.getOutputStream().close();
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start Keycloak from " + distDir, e);
    }
  }

  private static void awaitReady(Process process, String baseUrl) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest probe =
        HttpRequest.newBuilder(
                URI.create(baseUrl + "/realms/master/.well-known/openid-configuration"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Keycloak exited with code " + process.exitValue() + " while starting" + logTail());
      }
      try {
        if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
      }
      sleep(Duration.ofMillis(250));
    }
    throw new IllegalStateException(
        "Keycloak was not ready within " + START_TIMEOUT.toSeconds() + " s" + logTail());
  }

  private static void checkAdminLogin(Keycloak admin, Path distDir) {
    try {
      admin.tokenManager().getAccessToken();
    } catch (RuntimeException e) {
      admin.close();
      throw new IllegalStateException(
          "Bootstrap admin cannot log in to Keycloak; its database " + distDir.resolve("data")
              + " may come from another setup: delete that directory", e);
    }
  }

  private static String logTail() {
    try {
      List<String> lines = Files.readAllLines(LOG_FILE, StandardCharsets.UTF_8);
      return "; last lines of " + LOG_FILE + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "; cannot read " + LOG_FILE + ": " + e;
    }
  }

  private static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free loopback port", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
    }
  }
}
