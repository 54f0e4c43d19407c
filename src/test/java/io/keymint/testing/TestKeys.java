package io.keymint.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.security.PrivateKey;
import java.util.Base64;

/** Key pairs for private-key JWT tests, generated with Nimbus, and their private halves as PKCS#8 PEM. */
public final class TestKeys {

  private TestKeys() {}

  /** An EC P-256 key pair (ES256) with this key id (null: none). */
  public static ECKey ec(String keyId) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An RSA key pair of this many bits (RS256 needs 2048) with this key id (null: none). */
  public static RSAKey rsa(int bits, String keyId) {
    try {
      return new RSAKeyGenerator(bits, true).keyUse(KeyUse.SIGNATURE).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The private key as a PKCS#8 PEM, as Keymint reads it; remembered for the log leak check. */
  public static String pkcs8Pem(JWK key) {
    try {
      PrivateKey privateKey = key instanceof ECKey ec ? ec.toPrivateKey() : ((RSAKey) key).toPrivateKey();
      String pem = pem("PRIVATE KEY", privateKey.getEncoded());
      pem.lines().filter(line -> !line.startsWith("-----")).forEach(KeymintFixture.SECRETS_SEEN::add);
      return pem;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PEM block of this type around the DER bytes. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /**
   * The public JWK set of these keys, as a client's {@code jwks.string} would hold it. Keycloak 26.7
   * ignores a key without {@code "use": "sig"} there, so the keys above carry it.
   */
  public static String publicJwkSet(JWK... keys) {
    return new JWKSet(java.util.Arrays.stream(keys).map(JWK::toPublicJWK).toList()).toString();
  }
}
