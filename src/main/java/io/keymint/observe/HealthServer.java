package io.keymint.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code /healthz} (the process answers), {@code /readyz} (the operator runs and its informers are healthy), {@code /metrics}. */
public final class HealthServer implements AutoCloseable {

  private final HttpServer server;

  private HealthServer(HttpServer server) {
    this.server = server;
  }

  /** Listens on all interfaces (a kubelet probes the pod IP); port 0 picks a free port. */
  public static HealthServer start(int port, BooleanSupplier ready, Supplier<String> metrics) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
      server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
      server.createContext("/readyz", exchange -> {
        boolean isReady = ready.getAsBoolean();
        respond(exchange, isReady ? 200 : 503, "text/plain", isReady ? "ready\n" : "not ready\n");
      });
      server.createContext("/metrics", exchange ->
          respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread thread = new Thread(r, "keymint-http");
        thread.setDaemon(true);
        return thread;
      }));
      server.start();
      return new HealthServer(server);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on port " + port + " for /healthz, /readyz and /metrics", e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
