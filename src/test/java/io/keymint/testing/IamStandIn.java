package io.keymint.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for IBM Cloud IAM's token endpoint, implementing its documented contract:
 * a form POST of {@code grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...} answered with
 * JSON {@code access_token}, {@code refresh_token}, {@code token_type}, {@code expires_in},
 * {@code expiration}; a wrong key gets 400 with IAM's error body (no RFC 6749 {@code error} field).
 */
public final class IamStandIn implements AutoCloseable {

  private final HttpServer server;
  private final String apiKey;
  private final int lifetimeSeconds;
  private final AtomicInteger issued = new AtomicInteger();

  private IamStandIn(String apiKey, int lifetimeSeconds) throws IOException {
    this.apiKey = apiKey;
    this.lifetimeSeconds = lifetimeSeconds;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/identity/token", exchange -> {
      Map<String, String> form = parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String body;
      int status;
      if (!"POST".equals(exchange.getRequestMethod())
          || !"urn:ibm:params:oauth:grant-type:apikey".equals(form.get("grant_type"))) {
        status = 400;
        body = "{\"errorCode\":\"BXNIM0103E\",\"errorMessage\":\"Unsupported grant type\"}";
      } else if (!this.apiKey.equals(form.get("apikey"))) {
        status = 400;
        body = "{\"errorCode\":\"BXNIM0415E\",\"errorMessage\":\"Provided API key could not be found.\"}";
      } else {
        status = 200;
        long now = Instant.now().getEpochSecond();
        issued.incrementAndGet();
        body = "{\"access_token\":\"iam-" + UUID.randomUUID() + "\",\"refresh_token\":\"not_supported\","
            + "\"token_type\":\"Bearer\",\"expires_in\":" + this.lifetimeSeconds + ",\"expiration\":"
            + (now + this.lifetimeSeconds) + ",\"scope\":\"ibm openid\"}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  /** Serves tokens of the given lifetime for one API key. */
  public static IamStandIn start(String apiKey, int lifetimeSeconds) throws IOException {
    return new IamStandIn(apiKey, lifetimeSeconds);
  }

  public String tokenUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/identity/token";
  }

  /** Access tokens handed out so far. */
  public int issued() {
    return issued.get();
  }

  private static Map<String, String> parse(String form) {
    Map<String, String> values = new HashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
