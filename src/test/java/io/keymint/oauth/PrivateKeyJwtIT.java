package io.keymint.oauth;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.AuthMethod;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.platformtoken.PlatformToken;
import io.keymint.platformtoken.PlatformTokenSpec;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestKeys;
import io.keymint.testing.TestRealm;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * Private-key JWT client authentication (RFC 7523) against a real Keycloak: clients configured by
 * hand through the admin API, the way an administrator registers a client's public keys, and
 * AppTokens and PlatformTokens that sign their client assertions with the private key from a Secret.
 */
@ExtendWith(KeycloakExtension.class)
class PrivateKeyJwtIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_TOKEN_URL_HOSTS", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("pkj");
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  @Test
  void externalPrivateKeyJwtAppTokenAgainstAKeycloakClientConfiguredByHand() {
    ECKey key = TestKeys.ec("partner-key-1");
    String partner = namespace + "-partner";
    createJwtClient(partner, false, key);
    keySecret("partner-key", partner, key, key.getKeyID());
    appToken("partner", "partner-key");

    AppToken issued = awaitIssued("partner");
    Map<String, String> data = keymint.secretData(namespace, "partner-token");
    assertThat(Jwt.claims(data.get("access_token")).get("azp")).as("a token of that client").isEqualTo(partner);
    assertThat(active(data.get("access_token"))).as("Keycloak's introspection accepts it").isTrue();
    assertThat(issued.getStatus().condition(Condition.READY).message).doesNotContain("PRIVATE KEY");

    keymint.edit(AppToken.class, namespace, "partner", t -> t.getMetadata().getAnnotations().put("keymint.io/refresh", "1"));
    await().atMost(TIMEOUT).until(() -> !data.get("access_token")
        .equals(keymint.secretData(namespace, "partner-token").get("access_token")));
    assertThat(active(keymint.secretData(namespace, "partner-token").get("access_token")))
        .as("a second assertion (a fresh jti) is accepted too").isTrue();
  }

  @Test
  void aKeyKeycloakDoesNotKnowIsInvalidClientAndAKeyThatDoesNotParseIsInvalidSpec() {
    ECKey registered = TestKeys.ec("registered");
    ECKey stranger = TestKeys.ec("stranger");
    String partner = namespace + "-partner";
    createJwtClient(partner, false, registered);
    keySecret("stranger-key", partner, stranger, stranger.getKeyID());
    appToken("stranger", "stranger-key");

    AppToken refused = keymint.awaitStatus(AppToken.class, namespace, "stranger", AppToken::getStatus,
        ready("False", "InvalidClient"));
    assertThat(refused.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
    String message = refused.getStatus().condition(Condition.READY).message;
    assertThat(message).contains(partner);
    TestKeys.pkcs8Pem(stranger).lines().forEach(line -> assertThat(message).doesNotContain(line));

    userSecret("broken-key", Map.of("client_id", partner, "private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"));
    long requests = keymint.operator().tokens().requestCount();
    appToken("broken", "broken-key");
    AppToken invalid = keymint.awaitStatus(AppToken.class, namespace, "broken", AppToken::getStatus, ready("False", "InvalidSpec"));
    assertThat(invalid.getStatus().condition(Condition.READY).message)
        .isEqualTo("Secret 'broken-key' key 'private_key' is neither an EC nor an RSA private key; "
            + "private_key_jwt takes EC P-256 (ES256) or RSA (RS256)");
    assertThat(keymint.operator().tokens().requestCount()).as("nothing sent with a key that does not parse").isEqualTo(requests);

    keySecret("stranger-key", partner, registered, registered.getKeyID()); // the right key: picked up at once
    awaitIssued("stranger");
    assertThat(active(keymint.secretData(namespace, "stranger-token").get("access_token"))).isTrue();
  }

  @Test
  void aPlatformTokenSignsItsPasswordGrantWithAnRsaKey() {
    RSAKey key = TestKeys.rsa(2048, null);
    String client = namespace + "-notebook";
    createJwtClient(client, true, key);
    String user = realm.createUser("hana");
    keySecret("notebook-key", client, key, null); // no key_id: Keycloak tries the client's keys
    userSecret("hana-login", Map.of("username", user, "password", TestRealm.passwordOf(user)));

    PlatformToken token = new PlatformToken();
    token.getMetadata().setName("hana");
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new PlatformTokenSpec());
    token.getSpec().tokenUrl = realm.tokenUrl();
    token.getSpec().clientId = client;
    token.getSpec().authMethod = AuthMethod.PrivateKeyJwt;
    token.getSpec().clientSecretRef = new PlatformTokenSpec.ClientSecretRef();
    token.getSpec().clientSecretRef.name = "notebook-key";
    token.getSpec().grant = new PlatformTokenSpec.Grant();
    token.getSpec().grant.password = new PlatformTokenSpec.PasswordGrant();
    token.getSpec().grant.password.secretRef = new PlatformTokenSpec.PasswordSecretRef();
    token.getSpec().grant.password.secretRef.name = "hana-login";
    keymint.create(token);

    keymint.awaitStatus(PlatformToken.class, namespace, "hana", PlatformToken::getStatus, ready("True", "TokenIssued"));
    Map<String, Object> claims = Jwt.claims(keymint.secretData(namespace, "hana-token").get("access_token"));
    assertThat(claims.get("azp")).isEqualTo(client);
    assertThat(claims.get("preferred_username")).isEqualTo(user);
    assertThat(active(keymint.secretData(namespace, "hana-token").get("access_token"))).isTrue();
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * A confidential client that authenticates with signed JWTs, as an administrator sets it up in
   * Keycloak 26.7: authenticator {@code client-jwt}, the public keys kept on the client as a JWK set
   * ({@code use.jwks.string=true}, {@code jwks.string}); service account for client_credentials, or
   * direct access grants for the password grant.
   */
  private static void createJwtClient(String clientId, boolean passwordGrant, JWK... keys) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    client.setEnabled(true);
    client.setPublicClient(false);
    client.setClientAuthenticatorType("client-jwt");
    client.setServiceAccountsEnabled(!passwordGrant);
    client.setDirectAccessGrantsEnabled(passwordGrant);
    client.setStandardFlowEnabled(false);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("use.jwks.string", "true");
    attributes.put("jwks.string", TestKeys.publicJwkSet(keys));
    client.setAttributes(attributes);
    realm.admin().clients().create(client).close();
    assertThat(realm.findClient(clientId)).isNotNull();
  }

  /** The Secret an external provider's client would come with: client id, private key and (if any) key id. */
  private void keySecret(String name, String clientId, JWK key, String keyId) {
    Map<String, String> values = new HashMap<>();
    values.put("client_id", clientId);
    values.put("private_key", TestKeys.pkcs8Pem(key));
    if (keyId != null) {
      values.put("key_id", keyId);
    }
    userSecret(name, values);
  }

  private void userSecret(String name, Map<String, String> values) {
    SecretBuilder secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
    values.forEach((k, v) -> secret.addToData(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    keymint.client().secrets().inNamespace(namespace).resource(secret.build()).createOr(existing -> existing.update());
  }

  private void appToken(String name, String keySecret) {
    appToken(name, spec -> {
      spec.clientCredentials = new AppTokenSpec.ClientCredentials();
      spec.clientCredentials.tokenUrl = realm.tokenUrl();
      spec.clientCredentials.authMethod = AuthMethod.PrivateKeyJwt;
      spec.clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
      spec.clientCredentials.secretRef.name = keySecret;
    });
  }

  private void appToken(String name, Consumer<AppTokenSpec> edit) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(namespace);
    token.getMetadata().setAnnotations(new HashMap<>());
    token.setSpec(new AppTokenSpec());
    edit.accept(token.getSpec());
    keymint.create(token);
  }

  private AppToken awaitIssued(String name) {
    return keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus,
        ready("True", "TokenIssued").and(s -> s.failedAttempts == null));
  }

  private static boolean active(String accessToken) {
    KeymintFixture.SECRETS_SEEN.add(accessToken);
    return Boolean.TRUE.equals(realm.introspect(realm.adminClientId(), realm.adminClientSecret(), accessToken).get("active"));
  }
}
