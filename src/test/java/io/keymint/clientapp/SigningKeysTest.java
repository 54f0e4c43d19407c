package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import io.keymint.oauth.ClientKey;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SigningKeysTest {

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void thePemPrivateKeySignsWhatThePublicJwkVerifies(KeyAlgorithm algorithm) throws Exception {
    SigningKeys.GeneratedKey key = SigningKeys.generate(algorithm);
    assertThat(key.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
    assertThat(key.toString()).doesNotContain(key.privateKeyPem().split("\n")[1]);
    JWK publicJwk = JWK.parse(key.publicJwk());
    assertThat(publicJwk.isPrivate()).isFalse();
    assertThat(publicJwk.getKeyID()).isEqualTo(key.keyId()).isEqualTo(publicJwk.computeThumbprint().toString());
    assertThat(publicJwk.getAlgorithm().getName()).isEqualTo(algorithm.name());

    String body = key.privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey privateKey = KeyFactory.getInstance(algorithm == KeyAlgorithm.ES256 ? "EC" : "RSA")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.parse(algorithm.name())).keyID(key.keyId()).build(),
        new Payload("{\"sub\":\"x\"}"));
    jws.sign(algorithm == KeyAlgorithm.ES256 ? new ECDSASigner((ECPrivateKey) privateKey) : new RSASSASigner(privateKey));
    assertThat(jws.verify(algorithm == KeyAlgorithm.ES256 ? new ECDSAVerifier(publicJwk.toECKey())
        : new RSASSAVerifier(publicJwk.toRSAKey()))).isTrue();
  }

  /** Keymint's own keys are ones it would take from a tenant: RSA within 2048 to 4096 bits. */
  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void generatedKeysAreOnesClientKeyTakes(KeyAlgorithm algorithm) {
    SigningKeys.GeneratedKey key = SigningKeys.generate(algorithm);
    assertThat(ClientKey.parse(key.privateKeyPem(), key.keyId(), "generated").algorithm().getName()).isEqualTo(algorithm.name());
    assertThat(SigningKeys.RSA_BITS).isLessThanOrEqualTo(ClientKey.MAX_RSA_BITS);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void everyKeyIsNew(KeyAlgorithm algorithm) {
    assertThat(SigningKeys.generate(algorithm).keyId()).isNotEqualTo(SigningKeys.generate(algorithm).keyId());
  }
}
