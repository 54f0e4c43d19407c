package io.keymint.clientapp;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import java.security.PrivateKey;
import java.util.Base64;

/**
 * Key pairs for private-key JWT client authentication (RFC 7523), generated with Nimbus JOSE+JWT:
 * EC P-256 for ES256, RSA 2048 for RS256; the key id is the public key's JWK thumbprint (RFC 7638).
 */
final class SigningKeys {

  static final int RSA_BITS = 2048;

  private SigningKeys() {}

  /**
   * A new key pair.
   *
   * @param keyId         the kid, also in the public JWK
   * @param privateKeyPem PKCS#8 PEM; never logged ({@link #toString()} leaves it out)
   * @param publicJwk     the public JWK as JSON, what Keycloak verifies assertions with
   */
  record GeneratedKey(String keyId, KeyAlgorithm algorithm, String privateKeyPem, String publicJwk) {
    @Override
    public String toString() {
      return "GeneratedKey[keyId=" + keyId + ", algorithm=" + algorithm + "]";
    }
  }

  static GeneratedKey generate(KeyAlgorithm algorithm) {
    try {
      JWK key = switch (algorithm) {
        case ES256 -> new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
            .keyIDFromThumbprint(true).generate();
        case RS256 -> new RSAKeyGenerator(RSA_BITS).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
            .keyIDFromThumbprint(true).generate();
      };
      PrivateKey privateKey = key instanceof com.nimbusds.jose.jwk.ECKey ec ? ec.toPrivateKey() : key.toRSAKey().toPrivateKey();
      return new GeneratedKey(key.getKeyID(), algorithm, pem(privateKey), key.toPublicJWK().toJSONString());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a " + algorithm + " key pair (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), 64 characters a line. */
  static String pem(PrivateKey key) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
  }
}
