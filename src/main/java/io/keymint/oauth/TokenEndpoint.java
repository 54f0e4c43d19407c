package io.keymint.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import io.keymint.observe.KeymintMetrics;
import io.keymint.token.TokenUrlPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The client of OAuth 2.0 token endpoints: one shared HTTP client with timeouts, form-encoded
 * requests, client authentication as the request's {@link ClientAuthentication} says (secret by
 * Basic header or form, RFC 6749 section 2.3.1; signed client assertion, RFC 7523), token
 * responses read with their real expiry, and error responses (section 5.2) turned into contract
 * reasons. Nothing it throws or logs contains a credential, a token or a response body.
 *
 * <p>The tenant boundary: every request first passes the {@link TokenUrlPolicy} (URL rules and
 * the address rule, resolved right before sending, so URLs read from Secrets are covered too),
 * except requests to Keymint's own Keycloak (the admin's {@code KEYMINT_KEYCLOAK_URL}). Redirects
 * are not followed, an answer is read up to {@value #MAX_BODY_BYTES} bytes and no further, and the
 * whole exchange, body included, ends within {@link #REQUEST_TIMEOUT}.
 */
public final class TokenEndpoint {

  /**
   * A slow token endpoint holds a reconcile thread of its namespace's share for at most about
   * {@link #REQUEST_TIMEOUT}: connecting may take up to 5 s, the whole exchange up to 10 s.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
  static final int MAX_BODY_BYTES = 1024 * 1024;
  static final String TOO_LARGE_MESSAGE = "the token endpoint answer is larger than 1 MiB";

  private final HttpClient http;
  private final Clock clock;
  private final KeymintMetrics metrics;
  private final TokenUrlPolicy policy;
  private final URI keycloak;
  private final AtomicLong requests = new AtomicLong();

  /**
   * @param policy      KEYMINT_TOKEN_URL_HOSTS and KEYMINT_ALLOW_HTTP, applied to every request
   * @param keycloakUrl KEYMINT_KEYCLOAK_URL, or null: requests under it are exempt from the policy
   */
  public TokenEndpoint(Clock clock, KeymintMetrics metrics, TokenUrlPolicy policy, String keycloakUrl) {
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    this.clock = clock;
    this.metrics = metrics;
    this.policy = policy;
    this.keycloak = keycloakUrl == null ? null : URI.create(keycloakUrl);
  }

  /** Token requests sent so far. */
  public long requestCount() {
    return requests.get();
  }

  public TokenResponse request(TokenRequest request) {
    if (!underKeycloak(request.tokenUrl())) {
      policy.checkAddress(policy.check(request.tokenUrl().toString()));
    }
    Map<String, String> form = new LinkedHashMap<>(request.form());
    HttpRequest.Builder http = HttpRequest.newBuilder(request.tokenUrl())
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json");
    if ("http".equalsIgnoreCase(request.tokenUrl().getScheme())) {
      // HTTP/1.1 with keep-alive, as a plain client: the client's default (HTTP/2) would ask every new
      // cleartext connection to upgrade (h2c), which token endpoints answer with HTTP/1.1 anyway
      http.version(HttpClient.Version.HTTP_1_1);
    }
    ClientAuthentication.Proof proof = request.client().proof(request.tokenUrl(), clock.instant());
    form.putAll(proof.form());
    if (proof.authorization() != null) {
      http.header("Authorization", proof.authorization());
    }
    String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
    Instant sent = clock.instant();
    HttpResponse<Body> response;
    requests.incrementAndGet();
    try {
      response = send(http.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    } catch (HttpTimeoutException e) {
      metrics.identityProviderRequest("token_endpoint", false, Duration.between(sent, clock.instant()));
      throw unavailable(request, "timed out");
    } catch (IOException e) {
      metrics.identityProviderRequest("token_endpoint", false, Duration.between(sent, clock.instant()));
      throw unavailable(request, "is unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(request, "request was interrupted");
    }
    boolean tooLarge = response.body().tooLarge();
    metrics.identityProviderRequest("token_endpoint", response.statusCode() == 200 && !tooLarge,
        Duration.between(sent, clock.instant()));
    if (tooLarge) {
      throw ReconcileException.retryable(Reasons.INVALID_TOKEN_RESPONSE, TOO_LARGE_MESSAGE);
    }
    if (response.statusCode() == 200) {
      return parse(response.body().bytes(), sent, request);
    }
    throw failure(request, response);
  }

  /** Whether the URL is on Keymint's own Keycloak (same scheme, host and port, under its path). */
  boolean underKeycloak(URI url) {
    if (keycloak == null || url.getHost() == null || url.getRawUserInfo() != null || url.getScheme() == null) {
      return false;
    }
    URI u = url.normalize();
    String base = keycloak.getRawPath() == null ? "" : keycloak.getRawPath().replaceAll("/+$", "");
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    return u.getScheme().equalsIgnoreCase(keycloak.getScheme()) && u.getHost().equalsIgnoreCase(keycloak.getHost())
        && port(u) == port(keycloak) && (path.equals(base) || path.startsWith(base + "/"));
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** Sends and reads the bounded answer; the whole exchange, body included, ends within REQUEST_TIMEOUT. */
  private HttpResponse<Body> send(HttpRequest request) throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<Body>> exchange = http.sendAsync(request, info -> new BoundedBody(MAX_BODY_BYTES,
        info.headers().firstValueAsLong("Content-Length").orElse(-1)));
    try {
      return exchange.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException("the exchange took longer than " + REQUEST_TIMEOUT.toSeconds() + "s");
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause() == null ? "failed" : e.getCause().getClass().getSimpleName());
    }
  }

  /** A response body read up to a limit; a larger one is not read further (and its connection is dropped). */
  record Body(byte[] bytes, boolean tooLarge) {
    static final Body TOO_LARGE = new Body(new byte[0], true);
  }

  /** Collects at most {@code limit} bytes; past it, cancels the subscription, which closes the connection. */
  static final class BoundedBody implements HttpResponse.BodySubscriber<Body> {
    private final CompletableFuture<Body> body = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final int limit;
    private final long declaredLength;
    private Flow.Subscription subscription;

    BoundedBody(int limit, long declaredLength) {
      this.limit = limit;
      this.declaredLength = declaredLength;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      if (declaredLength > limit) {
        refuse();
      } else {
        subscription.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        if (body.isDone()) {
          return;
        }
        if (received.size() + (long) buffer.remaining() > limit) {
          refuse();
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        received.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(new Body(received.toByteArray(), false));
    }

    @Override
    public CompletionStage<Body> getBody() {
      return body;
    }

    private void refuse() {
      subscription.cancel();
      received.reset();
      body.complete(Body.TOO_LARGE);
    }
  }

  private TokenResponse parse(byte[] body, Instant issuedAt, TokenRequest request) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "the token endpoint " + request.endpoint() + " answered 200 with a body that is not JSON");
    }
    String accessToken = text(json, "access_token");
    if (accessToken == null) {
      throw ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "the token endpoint " + request.endpoint() + " answered 200 without an access_token");
    }
    Map<String, Object> claims = Jwt.claims(accessToken);
    Instant expiresAt = expiry(json, claims, issuedAt);
    Long refreshExpiresIn = number(json, "refresh_expires_in");
    String tokenType = text(json, "token_type");
    return new TokenResponse(accessToken, tokenType == null ? "Bearer" : normalizeType(tokenType), issuedAt, expiresAt,
        text(json, "scope"), text(json, "id_token"), text(json, "refresh_token"),
        refreshExpiresIn == null || refreshExpiresIn <= 0 ? null : issuedAt.plusSeconds(refreshExpiresIn),
        Jwt.audiences(claims));
  }

  /** expires_in (relative), else expiration (IBM: epoch seconds), else the JWT's exp; else an hour, as RFC 6749 leaves it open. */
  private static Instant expiry(JsonNode json, Map<String, Object> claims, Instant issuedAt) {
    Long expiresIn = number(json, "expires_in");
    if (expiresIn != null) {
      return issuedAt.plusSeconds(expiresIn);
    }
    Long expiration = number(json, "expiration");
    if (expiration != null) {
      return Instant.ofEpochSecond(expiration);
    }
    if (claims.get("exp") instanceof Number exp) {
      return Instant.ofEpochSecond(exp.longValue());
    }
    return issuedAt.plus(Duration.ofHours(1));
  }

  private ReconcileException failure(TokenRequest request, HttpResponse<Body> response) {
    int status = response.statusCode();
    String error = null;
    try {
      error = text(JSON.readTree(response.body().bytes()), "error");
    } catch (IOException | RuntimeException e) {
      // not an RFC 6749 error body; the status decides
    }
    String where = "the token endpoint " + request.endpoint();
    if (status == 429 || status >= 500) {
      Duration retryAfter = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
      return ReconcileException.retryableAfter(Reasons.IDENTITY_PROVIDER_UNAVAILABLE, where + " answered HTTP " + status
          + (retryAfter == null ? "" : " (Retry-After " + retryAfter.toSeconds() + "s)"), retryAfter);
    }
    if (status == 401) { // RFC 6749 5.2: client authentication failed (Keycloak says unauthorized_client)
      return ReconcileException.permanent(Reasons.INVALID_CLIENT, where + " refused the credentials of client '"
          + request.clientId() + "'" + (error == null ? "" : ": " + safeErrorCode(error)) + " (HTTP 401)");
    }
    if (error != null) {
      String reason = reasonOf(error);
      return ReconcileException.permanent(reason, where + " refused the " + request.grantType() + " grant for client '"
          + request.clientId() + "': " + safeErrorCode(error) + " (HTTP " + status + ")");
    }
    if (status == 403) {
      return ReconcileException.permanent(Reasons.FORBIDDEN, where + " answered HTTP " + status);
    }
    return ReconcileException.permanent(Reasons.INVALID_GRANT, where + " answered HTTP " + status);
  }

  /** Retry-After (RFC 9110 10.2.3): seconds or an HTTP date, at most an hour; null when absent or unreadable. */
  Duration retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    Duration wait;
    try {
      wait = Duration.ofSeconds(Long.parseLong(header.trim()));
    } catch (NumberFormatException notSeconds) {
      try {
        wait = Duration.between(clock.instant(),
            ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
    if (wait.isNegative()) {
      return null;
    }
    return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
  }

  /** The RFC 6749 error code as a contract reason: invalid_grant is InvalidGrant, invalid_client InvalidClient, ... */
  static String reasonOf(String error) {
    String code = safeErrorCode(error);
    StringBuilder reason = new StringBuilder();
    for (String part : code.split("_")) {
      if (!part.isEmpty()) {
        reason.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return reason.length() == 0 ? Reasons.INVALID_GRANT : reason.toString();
  }

  /** Error codes are a fixed vocabulary; anything else is not repeated (a provider could echo input). */
  private static String safeErrorCode(String error) {
    return error.matches("[a-z_]{1,40}") ? error : "unrecognised_error";
  }

  private static ReconcileException unavailable(TokenRequest request, String what) {
    return ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
        "the token endpoint " + request.endpoint() + " " + what);
  }

  private static String normalizeType(String type) {
    return "bearer".equalsIgnoreCase(type) ? "Bearer" : type;
  }

  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node == null || node.isNull() ? null : node.asText();
  }

  private static Long number(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isNumber()) {
      return node.asLong();
    }
    try {
      return Long.parseLong(node.asText().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
