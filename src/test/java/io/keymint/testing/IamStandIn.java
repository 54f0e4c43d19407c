package io.keymint.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for IBM Cloud IAM's token endpoint, implementing its documented contract:
 * a form POST of {@code grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...} answered with
 * JSON {@code access_token}, {@code refresh_token}, {@code token_type}, {@code expires_in},
 * {@code expiration}; a wrong key gets 400 with IAM's error body (no RFC 6749 {@code error} field).
 * The access token is an RS256 JWT with IAM's claims ({@code iam_id}, {@code sub}, {@code exp},
 * {@code grant_type}, {@code scope}, ...) for the one user the API key belongs to.
 * Used by the integration tests and by the demo.
 */
public final class IamStandIn implements AutoCloseable {

  /** The IBMid user every API key of this stand-in belongs to. */
  public static final String USER = "ibm-user@example.com";
  private static final String IAM_ID = "IBMid-270000STAND";

  private final HttpServer server;
  private final String apiKey;
  private final int lifetimeSeconds;
  private final AtomicInteger issued = new AtomicInteger();
  private final KeyPair signingKey;

  private IamStandIn(String apiKey, int lifetimeSeconds) throws IOException {
    this.apiKey = apiKey;
    this.lifetimeSeconds = lifetimeSeconds;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      this.signingKey = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no RSA key pair generator", e);
    }
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/identity/token", exchange -> {
      Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
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
        body = "{\"access_token\":\"" + jwt(now) + "\",\"refresh_token\":\"not_supported\","
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

  /** Serves tokens of the given lifetime for one API key, which belongs to {@value #USER}. */
  public static IamStandIn start(String apiKey, int lifetimeSeconds) throws IOException {
    return new IamStandIn(apiKey, lifetimeSeconds);
  }

  /** An access token as IAM issues them: an RS256 JWT of the key's user. */
  private String jwt(long now) {
    String header = "{\"kid\":\"stand-in\",\"alg\":\"RS256\"}";
    String claims = "{\"iam_id\":\"" + IAM_ID + "\",\"id\":\"" + IAM_ID + "\",\"realmid\":\"IBMid\",\"jti\":\""
        + UUID.randomUUID() + "\",\"identifier\":\"270000STAND\",\"sub\":\"" + USER + "\",\"sub_type\":\"UserID\","
        + "\"email\":\"" + USER + "\",\"account\":{\"bss\":\"stand-in-account\"},\"iat\":" + now + ",\"exp\":"
        + (now + lifetimeSeconds) + ",\"iss\":\"https://iam.cloud.ibm.com/identity\","
        + "\"grant_type\":\"urn:ibm:params:oauth:grant-type:apikey\",\"scope\":\"ibm openid\",\"client_id\":\"default\"}";
    String signed = base64Url(header) + "." + base64Url(claims);
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(signingKey.getPrivate());
      rsa.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the stand-in's token", e);
    }
  }

  private static String base64Url(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  public String tokenUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/identity/token";
  }

  /** Access tokens handed out so far. */
  public int issued() {
    return issued.get();
  }

  /** The fields of a form-encoded body. */
  static Map<String, String> form(String form) {
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
