package io.keymint.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * A client that authenticates the way a workload with a PrivateKeyJwt application's Secret would
 * (RFC 7523): a client assertion signed with the Secret's private_key and key_id, iss = sub = the
 * client id, aud = the token URL, a fresh jti, a minute to live. Independent of Keymint's own code.
 */
public final class SignedAssertions {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private SignedAssertions() {}

  /** A client assertion signed with a PKCS#8 PEM key (EC P-256: ES256, RSA: RS256). */
  public static String sign(String clientId, String tokenUrl, String privateKeyPem, String keyId) {
    try {
      PrivateKey key = parse(privateKeyPem);
      boolean ec = key instanceof ECPrivateKey;
      JWSSigner signer = ec ? new ECDSASigner((ECPrivateKey) key) : new RSASSASigner(key);
      Instant now = Instant.now();
      JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(tokenUrl)
          .jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(60)))
          .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(ec ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256).keyID(keyId).build(),
          claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a client assertion: " + e.getClass().getSimpleName());
    }
  }

  /** client_credentials with a signed client assertion; the status and parsed answer (tokens hidden by its toString). */
  public static TestRealm.TokenResult clientCredentials(String tokenUrl, String assertion) {
    String form = "grant_type=client_credentials"
        + "&client_assertion_type=" + encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        + "&client_assertion=" + encode(assertion);
    HttpRequest request = HttpRequest.newBuilder(URI.create(tokenUrl)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      Map<String, Object> body;
      try {
        body = JSON.readValue(response.body(), new TypeReference<Map<String, Object>>() {});
      } catch (IOException e) {
        body = Map.of("raw", response.body());
      }
      return new TestRealm.TokenResult(response.statusCode(), body);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("POST " + tokenUrl + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Signs with the Secret's key and requests a token at the Secret's token_url. */
  public static TestRealm.TokenResult clientCredentials(Map<String, String> secretData) {
    return clientCredentials(secretData.get("token_url"), sign(secretData.get("client_id"), secretData.get("token_url"),
        secretData.get("private_key"), secretData.get("key_id")));
  }

  private static PrivateKey parse(String pem) throws GeneralSecurityException {
    byte[] der = Base64.getDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (GeneralSecurityException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
