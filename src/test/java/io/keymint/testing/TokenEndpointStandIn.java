package io.keymint.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A loopback OAuth token endpoint for client_credentials that answers after a delay chosen per
 * client_id, with opaque tokens of a fixed {@code expires_in}; it accepts any client and records
 * when each client_id's requests arrived. Each request is served on its own thread, so slow
 * answers do not queue behind each other. Closing it drops the requests still waiting.
 */
public final class TokenEndpointStandIn implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "token-endpoint-stand-in");
    thread.setDaemon(true);
    return thread;
  });
  private final Function<String, Duration> delay;
  private final int expiresIn;
  private final Map<String, List<Instant>> arrivals = new HashMap<>();

  private TokenEndpointStandIn(Function<String, Duration> delay, int expiresIn) throws IOException {
    this.delay = delay;
    this.expiresIn = expiresIn;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/token", this::answer);
    server.start();
  }

  /**
   * @param delay     how long to wait before answering a client_id
   * @param expiresIn the {@code expires_in} of every token, in seconds
   */
  public static TokenEndpointStandIn start(Function<String, Duration> delay, int expiresIn) throws IOException {
    return new TokenEndpointStandIn(delay, expiresIn);
  }

  public String tokenUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** When each client_id's requests arrived, in order. */
  public synchronized Map<String, List<Instant>> arrivals() {
    Map<String, List<Instant>> copy = new TreeMap<>();
    arrivals.forEach((client, times) -> copy.put(client, List.copyOf(times)));
    return copy;
  }

  private void answer(HttpExchange exchange) throws IOException {
    Instant arrived = Instant.now();
    try {
      String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String clientId = String.valueOf(clientId(exchange, IamStandIn.form(request)));
      synchronized (this) {
        arrivals.computeIfAbsent(clientId, c -> new ArrayList<>()).add(arrived);
      }
      try {
        Thread.sleep(delay.apply(clientId).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // closed meanwhile
      }
      byte[] body = ("{\"access_token\":\"stand-in-" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":"
          + expiresIn + "}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      // the client gave up waiting (its timeout): nothing left to answer
    } finally {
      exchange.close();
    }
  }

  /** The client_id of the form (client_secret_post) or of the Basic header (client_secret_basic). */
  private static String clientId(HttpExchange exchange, Map<String, String> form) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null && authorization.startsWith("Basic ")) {
      String pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
      return URLDecoder.decode(pair.substring(0, pair.indexOf(':')), StandardCharsets.UTF_8);
    }
    return form.get("client_id");
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
