package io.keymint.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Kubernetes cluster's ServiceAccount issuer on loopback, as kube-apiserver serves it: OIDC
 * discovery at {@code <issuer>/.well-known/openid-configuration} and the public keys at
 * {@code /openid/v1/jwks}, with ServiceAccount tokens signed the way kube-apiserver signs them
 * (RS256; {@code iss}, {@code sub} {@code system:serviceaccount:<namespace>:<name>}, {@code aud},
 * {@code exp}, {@code iat}, {@code nbf}, {@code jti} and the {@code kubernetes.io} claim with the
 * namespace and the ServiceAccount). Keycloak's {@code kubernetes} identity provider fetches the
 * keys from it; {@link KubernetesMock#serveServiceAccountTokens} answers TokenRequests with its
 * tokens and records them ({@link #tokenRequests()}). Every token it signs is remembered for the
 * log leak check.
 */
public final class KubernetesIssuer implements AutoCloseable {

  /** One TokenRequest the mock API answered: for which ServiceAccount, which audiences, how long. */
  public record TokenRequestMade(String namespace, String serviceAccount, List<String> audiences, Long expirationSeconds) {}

  private final HttpServer server;
  private final RSAKey key = TestKeys.rsa(2048, "sa-" + UUID.randomUUID().toString().substring(0, 8));
  private final List<TokenRequestMade> requests = new CopyOnWriteArrayList<>();

  private KubernetesIssuer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/.well-known/openid-configuration", exchange -> json(exchange, discovery()));
    server.createContext("/openid/v1/jwks", exchange -> json(exchange, new JWKSet(key.toPublicJWK()).toString()));
    server.start();
  }

  public static KubernetesIssuer start() {
    try {
      return new KubernetesIssuer();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the issuer stand-in", e);
    }
  }

  /** The issuer URL, {@code http://127.0.0.1:<port>}: what {@code iss} says and discovery names. */
  public String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** kube-apiserver's discovery document (its {@code /.well-known/openid-configuration}). */
  public String discovery() {
    return "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/openid/v1/jwks\","
        + "\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],"
        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
  }

  /** A token of this ServiceAccount for this audience, valid from now for {@code lifetime}. */
  public String token(String namespace, String serviceAccount, String audience, Duration lifetime) {
    return sign(key, namespace, serviceAccount, audience, Instant.now(), lifetime);
  }

  /** A token that expired a while ago (issued two lifetimes back). */
  public String expiredToken(String namespace, String serviceAccount, String audience) {
    Duration lifetime = Duration.ofMinutes(10);
    return sign(key, namespace, serviceAccount, audience, Instant.now().minus(lifetime.multipliedBy(2)), lifetime);
  }

  /** A token signed by a key this issuer does not publish, claiming to be its own (same iss and kid). */
  public String tokenSignedByAnotherKey(String namespace, String serviceAccount, String audience) {
    RSAKey impostor = TestKeys.rsa(2048, key.getKeyID());
    return sign(impostor, namespace, serviceAccount, audience, Instant.now(), Duration.ofMinutes(10));
  }

  /** What the API server does for {@code POST .../serviceaccounts/<name>/token}; recorded. */
  String answerTokenRequest(String namespace, String serviceAccount, List<String> audiences, Long expirationSeconds) {
    requests.add(new TokenRequestMade(namespace, serviceAccount, List.copyOf(audiences), expirationSeconds));
    return sign(key, namespace, serviceAccount, audiences.get(0), Instant.now(),
        Duration.ofSeconds(expirationSeconds == null ? 3600 : expirationSeconds));
  }

  /** Every TokenRequest answered so far, oldest first. */
  public List<TokenRequestMade> tokenRequests() {
    return List.copyOf(requests);
  }

  private String sign(RSAKey signingKey, String namespace, String serviceAccount, String audience, Instant issuedAt,
      Duration lifetime) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer())
        .subject("system:serviceaccount:" + namespace + ":" + serviceAccount).audience(List.of(audience))
        .issueTime(Date.from(issuedAt)).notBeforeTime(Date.from(issuedAt))
        .expirationTime(Date.from(issuedAt.plus(lifetime))).jwtID(UUID.randomUUID().toString())
        .claim("kubernetes.io", Map.of("namespace", namespace,
            "serviceaccount", Map.of("name", serviceAccount, "uid", UUID.nameUUIDFromBytes(
                (namespace + "/" + serviceAccount).getBytes(StandardCharsets.UTF_8)).toString())))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).build(), claims);
    try {
      jwt.sign(new RSASSASigner(signingKey));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a ServiceAccount token", e);
    }
    String token = jwt.serialize();
    KeymintFixture.SECRETS_SEEN.add(token);
    return token;
  }

  private static void json(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
