package io.keymint.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.net.URI;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client's private key for {@code private_key_jwt} client authentication, and the client
 * assertions it signs (RFC 7523 section 2.2 and 3, OpenID Connect Core section 9): {@code iss} and
 * {@code sub} the client id, {@code aud} the token endpoint, a fresh {@code jti}, {@code iat} and an
 * {@code exp} {@link #ASSERTION_LIFETIME} later; header {@code alg} from the key and {@code kid} when
 * known. Signing is Nimbus JOSE+JWT's.
 *
 * <p>The key is read from a PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}) with the JDK's key
 * factories: Nimbus's own PEM reader needs BouncyCastle and, even with it, builds no key from an EC
 * private key without its public half. An EC key on P-256 signs ES256, an RSA key of 2048 to 4096
 * bits RS256 (a larger key costs every reconcile that signs with it: 16384 bits take most of a
 * second per signature); anything else is refused with a message that says what the key is, never
 * what it holds.
 * Nothing here ({@link #toString()}, messages) shows the key or an assertion.
 */
public final class ClientKey {

  /** How long a client assertion is valid: one request's worth, with room for clock skew. */
  public static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);
  static final int MIN_RSA_BITS = 2048;
  public static final int MAX_RSA_BITS = 4096;
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private final JWSAlgorithm algorithm;
  private final JWSSigner signer;
  private final String keyId;

  private ClientKey(JWSAlgorithm algorithm, JWSSigner signer, String keyId) {
    this.algorithm = algorithm;
    this.signer = signer;
    this.keyId = keyId;
  }

  /**
   * Reads a private key.
   *
   * @param pem   a PKCS#8 PEM private key
   * @param keyId the {@code kid} to name in assertions, or null/blank for none
   * @param where what the key is, for messages: e.g. "Secret 'partner' key 'private_key'"
   * @throws ReconcileException InvalidSpec, naming {@code where} and what is wrong, never the content
   */
  public static ClientKey parse(String pem, String keyId, String where) {
    PrivateKey key = read(pem == null ? "" : pem, where);
    String kid = keyId == null || keyId.isBlank() ? null : keyId.strip();
    try {
      if (key instanceof ECPrivateKey ec) {
        Curve curve = Curve.forECParameterSpec(ec.getParams());
        if (!Curve.P_256.equals(curve)) {
          throw unusable(where, "is an EC key on curve " + (curve == null ? "(unknown)" : curve.getName())
              + "; ES256 needs P-256");
        }
        return new ClientKey(JWSAlgorithm.ES256, new ECDSASigner(ec), kid);
      }
      if (key instanceof RSAPrivateKey rsa) {
        int bits = rsa.getModulus().bitLength();
        if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
          throw unusable(where, "is an RSA key of " + bits + " bits; Keymint signs RS256 with RSA keys of "
              + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits");
        }
        return new ClientKey(JWSAlgorithm.RS256, new RSASSASigner(rsa), kid);
      }
    } catch (JOSEException e) {
      throw unusable(where, "cannot sign (" + e.getClass().getSimpleName() + ")");
    }
    throw unusable(where, "is a " + key.getAlgorithm() + " key; private_key_jwt takes EC P-256 (ES256) or RSA (RS256)");
  }

  /** The signing algorithm, from the key: ES256 for EC P-256, RS256 for RSA. */
  public JWSAlgorithm algorithm() {
    return algorithm;
  }

  /** The {@code kid} named in assertions, or null. */
  public String keyId() {
    return keyId;
  }

  /**
   * A client assertion for one request to {@code tokenEndpoint}.
   *
   * @param jti a value never used before (the endpoint may refuse a replayed one)
   */
  public String assertion(String clientId, URI tokenEndpoint, Instant now, String jti) {
    JWSHeader header = new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(keyId).build();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(clientId)
        .subject(clientId)
        .audience(tokenEndpoint.toString()) // one audience, serialized as a string (Keycloak refuses several)
        .jwtID(jti)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
        .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing the client assertion with " + algorithm + " failed ("
          + e.getClass().getSimpleName() + ")");
    }
    return jwt.serialize();
  }

  @Override
  public String toString() {
    return "ClientKey[" + algorithm + (keyId == null ? "" : ", kid " + keyId) + "]";
  }

  private static PrivateKey read(String pem, String where) {
    if (pem.contains("-----BEGIN EC PRIVATE KEY-----") || pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
      throw unusable(where, "is a PEM key in the older EC/RSA-only format; convert it to PKCS#8 "
          + "('BEGIN PRIVATE KEY'): openssl pkcs8 -topk8 -nocrypt");
    }
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw unusable(where, "is encrypted; Keymint needs an unencrypted PKCS#8 private key");
    }
    Matcher matcher = PKCS8.matcher(pem);
    if (!matcher.find()) {
      throw unusable(where, "is not a PEM-encoded PKCS#8 private key ('BEGIN PRIVATE KEY')");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(matcher.group(1).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw unusable(where, "is not valid base64 inside its PEM armour");
    }
    for (String algorithm : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | NoSuchAlgorithmException notThisKind) {
        // try the next kind
      }
    }
    throw unusable(where, "is neither an EC nor an RSA private key; private_key_jwt takes EC P-256 (ES256) or RSA (RS256)");
  }

  private static ReconcileException unusable(String where, String problem) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, where + " " + problem);
  }
}
