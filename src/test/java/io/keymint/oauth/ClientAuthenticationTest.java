package io.keymint.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.keymint.api.AuthMethod;
import io.keymint.kube.ReconcileException;
import io.keymint.testing.TestKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientAuthenticationTest {

  private static final URI TOKEN_URL = URI.create("https://idp.example/realms/acme/protocol/openid-connect/token");
  private static final Instant NOW = Instant.parse("2026-11-23T10:15:30Z");
  private static final String WHERE = "Secret 'partner' key 'private_key'";
  private static final ECKey EC = TestKeys.ec("kid-1");
  private static final RSAKey RSA = TestKeys.rsa(2048, null);

  @Test
  void privateKeyJwtSendsAnEs256AssertionWithTheRfc7523Claims() throws Exception {
    ClientKey key = ClientKey.parse(TestKeys.pkcs8Pem(EC), "kid-1", WHERE);
    assertThat(key.algorithm()).isEqualTo(JWSAlgorithm.ES256);
    ClientAuthentication.Proof proof = ClientAuthentication.privateKeyJwt("partner", key).proof(TOKEN_URL, NOW);

    assertThat(proof.authorization()).isNull();
    assertThat(proof.form()).containsOnlyKeys("client_id", "client_assertion_type", "client_assertion")
        .containsEntry("client_id", "partner")
        .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    SignedJWT assertion = SignedJWT.parse(proof.form().get("client_assertion"));
    assertThat(assertion.verify(new ECDSAVerifier(EC.toECPublicKey()))).as("signed by the key").isTrue();
    assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(assertion.getHeader().getKeyID()).isEqualTo("kid-1");
    assertThat(assertion.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    JWTClaimsSet claims = assertion.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("partner");
    assertThat(claims.getSubject()).isEqualTo("partner");
    assertThat(claims.getAudience()).containsExactly(TOKEN_URL.toString());
    assertThat(assertion.getPayload().toString()).as("one audience, as a string")
        .contains("\"aud\":\"" + TOKEN_URL + "\"");
    assertThat(claims.getIssueTime()).isEqualTo(Date.from(NOW));
    assertThat(claims.getExpirationTime()).isEqualTo(Date.from(NOW.plusSeconds(60)));
    assertThat(claims.getJWTID()).isNotBlank();
    String second = ClientAuthentication.privateKeyJwt("partner", key).proof(TOKEN_URL, NOW).form().get("client_assertion");
    assertThat(SignedJWT.parse(second).getJWTClaimsSet().getJWTID()).as("a fresh jti every time").isNotEqualTo(claims.getJWTID());
  }

  @Test
  void anRsaKeySignsRs256AndNoKeyIdMeansNoKid() throws Exception {
    for (String noKeyId : new String[] {null, "", "  "}) {
      ClientKey key = ClientKey.parse(TestKeys.pkcs8Pem(RSA), noKeyId, WHERE);
      assertThat(key.algorithm()).isEqualTo(JWSAlgorithm.RS256);
      SignedJWT assertion = SignedJWT.parse(key.assertion("partner", TOKEN_URL, NOW, "jti-1"));
      assertThat(assertion.verify(new RSASSAVerifier(RSA.toRSAPublicKey()))).isTrue();
      assertThat(assertion.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
      assertThat(assertion.getHeader().getKeyID()).isNull();
    }
  }

  static Stream<Arguments> unusableKeys() throws Exception {
    byte[] ecDer = EC.toPrivateKey().getEncoded();
    ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();
    KeyPairGenerator ed = KeyPairGenerator.getInstance("Ed25519");
    return Stream.of(
        Arguments.of("not a PEM at all", "just-some-text", "is not a PEM-encoded PKCS#8 private key"),
        Arguments.of("empty", "", "is not a PEM-encoded PKCS#8 private key"),
        Arguments.of("a public key", TestKeys.pem("PUBLIC KEY", EC.toPublicKey().getEncoded()),
            "is not a PEM-encoded PKCS#8 private key"),
        Arguments.of("SEC 1", TestKeys.pem("EC PRIVATE KEY", ecDer), "convert it to PKCS#8"),
        Arguments.of("PKCS#1", TestKeys.pem("RSA PRIVATE KEY", ecDer), "convert it to PKCS#8"),
        Arguments.of("encrypted", TestKeys.pem("ENCRYPTED PRIVATE KEY", ecDer), "is encrypted"),
        Arguments.of("damaged", TestKeys.pem("PRIVATE KEY", java.util.Arrays.copyOf(ecDer, 20)), "is neither an EC nor an RSA"),
        Arguments.of("P-384", TestKeys.pkcs8Pem(p384), "is an EC key on curve P-384; ES256 needs P-256"),
        Arguments.of("RSA 1024", TestKeys.pkcs8Pem(TestKeys.rsa(1024, null)), "is an RSA key of 1024 bits"),
        Arguments.of("RSA 4097", rsaOfBits(4097), "is an RSA key of 4097 bits; Keymint signs RS256 with RSA keys of 2048 to 4096 bits"),
        Arguments.of("RSA 16384", rsaOfBits(16384), "is an RSA key of 16384 bits; Keymint signs RS256 with RSA keys of 2048 to 4096 bits"),
        Arguments.of("Ed25519", TestKeys.pem("PRIVATE KEY", ed.generateKeyPair().getPrivate().getEncoded()),
            "is neither an EC nor an RSA"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableKeys")
  void anUnusableKeyIsInvalidSpecNamingWhereItIsNeverWhatItHolds(String what, String pem, String problem) {
    assertThatThrownBy(() -> ClientKey.parse(pem, "kid-1", WHERE)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo("InvalidSpec");
      assertThat(e.isRetryable()).isFalse();
      assertThat(e.getMessage()).startsWith(WHERE + " ").contains(problem);
      pem.lines().filter(line -> line.length() > 8 && !line.startsWith("-----"))
          .forEach(line -> assertThat(e.getMessage()).doesNotContain(line));
    });
  }

  /** An RSA key of 4096 bits, the largest taken, is read (and then signs about 8 times faster than one of 16384). */
  @Test
  void anRsaKeyOfFourThousandNinetySixBitsIsTaken() {
    assertThat(ClientKey.parse(rsaOfBits(ClientKey.MAX_RSA_BITS), null, WHERE).algorithm()).isEqualTo(JWSAlgorithm.RS256);
  }

  /**
   * A PKCS#8 PEM RSA private key with a modulus of exactly {@code bits} bits: built from a random odd
   * modulus, not generated (generating a 16384-bit key takes minutes); it reads like any key and
   * is refused or taken by its size alone.
   */
  private static String rsaOfBits(int bits) {
    try {
      java.math.BigInteger modulus = new java.math.BigInteger(bits, new java.security.SecureRandom()).setBit(bits - 1).setBit(0);
      var key = java.security.KeyFactory.getInstance("RSA").generatePrivate(
          new java.security.spec.RSAPrivateKeySpec(modulus, java.math.BigInteger.valueOf(65537)));
      return TestKeys.pem("PRIVATE KEY", key.getEncoded());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void clientSecretsGoByBasicHeaderOrForm() {
    ClientAuthentication.Proof basic = ClientAuthentication.secret("team a", "s&cret", AuthMethod.ClientSecretBasic)
        .proof(TOKEN_URL, NOW);
    assertThat(new String(Base64.getDecoder().decode(basic.authorization().substring("Basic ".length())),
        StandardCharsets.UTF_8)).as("RFC 6749 2.3.1: form-encoded, then Base64").isEqualTo("team+a:s%26cret");
    assertThat(basic.form()).isEmpty();
    assertThat(ClientAuthentication.secret("c", "s", null)).isInstanceOf(ClientAuthentication.ClientSecretBasic.class);

    ClientAuthentication.Proof post = ClientAuthentication.secret("c", "s", AuthMethod.ClientSecretPost).proof(TOKEN_URL, NOW);
    assertThat(post.authorization()).isNull();
    assertThat(post.form()).isEqualTo(Map.of("client_id", "c", "client_secret", "s"));

    assertThat(ClientAuthentication.secret("cli", null, AuthMethod.ClientSecretBasic).proof(TOKEN_URL, NOW).form())
        .as("no secret: a public client").isEqualTo(Map.of("client_id", "cli"));
    assertThat(ClientAuthentication.none(null).proof(TOKEN_URL, NOW).form()).isEmpty();
    assertThatThrownBy(() -> ClientAuthentication.secret("c", "s", AuthMethod.PrivateKeyJwt))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWorkloadsTokenIsPresentedAsItIsFreshForEveryRequestWithoutAClientIdThatCouldDisagree() {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    ClientAuthentication federated = ClientAuthentication.federatedJwt("team-a.scorer",
        () -> "service-account-token-" + asked.incrementAndGet());
    assertThat(asked).as("nothing asked before a request").hasValue(0);
    assertThat(federated.proof(TOKEN_URL, NOW).form()).containsExactly(
        Map.entry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        Map.entry("client_assertion", "service-account-token-1"));
    assertThat(federated.proof(TOKEN_URL, NOW).form()).containsEntry("client_assertion", "service-account-token-2");
    assertThat(federated.proof(TOKEN_URL, NOW).authorization()).isNull();
    assertThat(federated.clientId()).isEqualTo("team-a.scorer");
    assertThat(List.of(federated.toString(), federated.proof(TOKEN_URL, NOW).toString(),
        TokenRequest.clientCredentials(TOKEN_URL, federated, null).toString()))
        .allSatisfy(text -> assertThat(text).doesNotContain("service-account-token"));
  }

  @Test
  void nothingPrintsASecretAKeyOrAnAssertion() {
    String pem = TestKeys.pkcs8Pem(EC);
    ClientKey key = ClientKey.parse(pem, "kid-1", WHERE);
    ClientAuthentication jwt = ClientAuthentication.privateKeyJwt("partner", key);
    ClientAuthentication.Proof proof = jwt.proof(TOKEN_URL, NOW);
    List<String> shown = List.of(key.toString(), jwt.toString(), proof.toString(),
        TokenRequest.clientCredentials(TOKEN_URL, jwt, null).toString(),
        ClientAuthentication.secret("c", "client-secret-x", AuthMethod.ClientSecretBasic).toString(),
        ClientAuthentication.secret("c", "client-secret-x", AuthMethod.ClientSecretPost).toString(),
        ClientAuthentication.secret("c", "client-secret-x", AuthMethod.ClientSecretPost).proof(TOKEN_URL, NOW).toString());
    assertThat(shown.get(1)).isEqualTo("PrivateKeyJwt[partner, ClientKey[ES256, kid kid-1]]");
    for (String text : shown) {
      assertThat(text).doesNotContain("client-secret-x", proof.form().get("client_assertion"), "PRIVATE KEY");
      pem.lines().filter(line -> !line.startsWith("-----")).forEach(line -> assertThat(text).doesNotContain(line));
    }
  }
}
