package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWKSet;
import io.fabric8.kubernetes.api.model.Secret;
import io.keymint.api.Condition;
import io.keymint.api.LocalObjectReference;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.oauth.Jwt;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.SignedAssertions;
import io.keymint.testing.TestRealm;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.keycloak.representations.idm.ClientRepresentation;

/**
 * ClientApplications without a shared secret (clientAuthentication: PrivateKeyJwt) against a real
 * Keycloak: client assertions signed here, by the test, with the key from the application's Secret.
 */
@ExtendWith(KeycloakExtension.class)
class PrivateKeyJwtApplicationIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher"));
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("pkj");
  }

  @ParameterizedTest
  @EnumSource(ClientApplicationSpec.KeyAlgorithm.class)
  void anAssertionSignedWithTheSecretsKeyObtainsATokenAndNoClientSecretWorks(ClientApplicationSpec.KeyAlgorithm algorithm)
      throws Exception {
    String name = "signer-" + algorithm.name().toLowerCase();
    ClientApplication app = create(name, spec -> {
      spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      spec.keyAlgorithm = algorithm;
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.realmRoles = List.of("researcher");
    });
    ClientApplicationStatus status = awaitReady(app).getStatus();
    Map<String, String> data = keymint.secretData(namespace, name + "-client");
    String clientId = namespace + "." + name;
    assertThat(data).containsOnlyKeys("client_id", "private_key", "key_id", "token_endpoint_auth_method",
        "issuer_url", "token_url", "realm");
    assertThat(data).containsEntry("client_id", clientId).containsEntry("token_endpoint_auth_method", "private_key_jwt")
        .containsEntry("token_url", realm.tokenUrl()).containsEntry("issuer_url", realm.issuerUrl())
        .containsEntry("realm", realm.name());
    assertThat(data.get("private_key")).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(status.keyId).isEqualTo(data.get("key_id"));
    assertThat(status.previousKeyId).isNull();
    assertThat(status.secretRotatedAt).isNotNull();

    TestRealm.TokenResult token = SignedAssertions.clientCredentials(data);
    assertThat(token.status()).as("%s", token).isEqualTo(200);
    assertThat(ClientApplicationIT.realmRoles(token.claims())).containsExactly("researcher");
    assertThat(token.claims().get("azp")).isEqualTo(clientId);

    ClientRepresentation client = realm.findClient(clientId);
    assertThat(client.getClientAuthenticatorType()).isEqualTo("client-jwt");
    assertThat(registeredKeyIds(clientId)).containsExactly(data.get("key_id"));
    String keycloaksSecret = realm.admin().clients().get(client.getId()).getSecret().getValue();
    KeymintFixture.SECRETS_SEEN.add(keycloaksSecret);
    TestRealm.TokenResult withSecret = realm.clientCredentials(clientId, keycloaksSecret);
    assertThat(withSecret.status()).as("the client secret Keycloak keeps is not usable: %s", withSecret).isIn(400, 401);
    assertThat(withSecret.body().get("error")).isIn("invalid_client", "unauthorized_client");

    TestRealm.TokenResult foreignKey = SignedAssertions.clientCredentials(data.get("token_url"), SignedAssertions.sign(
        clientId, data.get("token_url"), keymint.secretData(namespace, name + "-client").get("private_key"), "not-our-kid"));
    assertThat(foreignKey.status()).as("an unknown kid is refused").isIn(400, 401);
  }

  @Test
  void rotationUnderLoadRefusesNoRequestAndEndsTheOldKeyAfterTheGracePeriod() throws Exception {
    ClientApplication app = create("busy", spec -> {
      spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      spec.secret = new ClientApplicationSpec.OutputSecret();
      spec.secret.rotation = new ClientApplicationSpec.Rotation();
      spec.secret.rotation.gracePeriod = "15s";
    });
    awaitReady(app);
    Map<String, String> before = keymint.secretData(namespace, "busy-client");
    String clientId = before.get("client_id");

    // a workload: every 100 ms, a token with the key it last read from the Secret
    List<String> refusals = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger requests = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<String> lastKeyId = new AtomicReference<>();
    Thread workload = new Thread(() -> {
      while (running.get()) {
        try {
          Map<String, String> data = keymint.secretData(namespace, "busy-client");
          lastKeyId.set(data.get("key_id"));
          TestRealm.TokenResult token = SignedAssertions.clientCredentials(data);
          requests.incrementAndGet();
          if (token.status() != 200) {
            refusals.add(Instant.now() + " kid " + data.get("key_id") + ": " + token);
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          refusals.add(Instant.now() + " " + e);
        }
      }
    }, "busy-workload");
    workload.start();
    try {
      await().atMost(TIMEOUT).until(() -> requests.get() >= 10);
      Instant rotation = Instant.now();
      keymint.edit(ClientApplication.class, namespace, "busy",
          a -> a.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "load-test"));
      await().atMost(TIMEOUT).until(() -> !before.get("key_id").equals(lastKeyId.get()));
      Map<String, String> after = keymint.secretData(namespace, "busy-client");
      assertThat(after.get("key_id")).isNotEqualTo(before.get("key_id"));
      assertThat(after.get("private_key")).isNotEqualTo(before.get("private_key"));

      ClientApplicationStatus status = keymint.awaitStatus(ClientApplication.class, namespace, "busy",
          ClientApplication::getStatus, s -> after.get("key_id").equals(((ClientApplicationStatus) s).keyId)).getStatus();
      assertThat(status.previousKeyId).isEqualTo(before.get("key_id"));
      Instant previousEnd = Instant.parse(status.previousCredentialExpiresAt);
      assertThat(previousEnd).isBetween(rotation.plusSeconds(14), Instant.now().plusSeconds(16));
      assertThat(status.condition(Condition.READY).message).contains(before.get("key_id")).contains("accepted until");
      assertThat(registeredKeyIds(clientId)).containsExactlyInAnyOrder(before.get("key_id"), after.get("key_id"));
      assertThat(SignedAssertions.clientCredentials(before).status()).as("the old key, within the grace period").isEqualTo(200);

      // after the grace period Keycloak refuses the old key; the workload, on the new one, goes on
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
          .until(() -> SignedAssertions.clientCredentials(before).status() != 200);
      assertThat(Instant.now()).isAfterOrEqualTo(previousEnd);
      TestRealm.TokenResult old = SignedAssertions.clientCredentials(before);
      assertThat(old.status()).as("%s", old).isIn(400, 401);
      assertThat(old.body().get("error")).isEqualTo("invalid_client");
      int afterGrace = requests.get();
      await().atMost(TIMEOUT).until(() -> requests.get() >= afterGrace + 5);
    } finally {
      running.set(false);
      workload.join(10_000);
    }
    assertThat(refusals).as("requests refused across the rotation (of %d)", requests.get()).isEmpty();
    assertThat(registeredKeyIds(clientId)).containsExactly(keymint.secretData(namespace, "busy-client").get("key_id"));
    ClientApplicationStatus settled = keymint.awaitStatus(ClientApplication.class, namespace, "busy",
        ClientApplication::getStatus, s -> ((ClientApplicationStatus) s).previousKeyId == null).getStatus();
    assertThat(settled.previousCredentialExpiresAt).as("the previous key's end stays on record").isNotNull();
    assertThat(events("busy")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("SecretRotated");
      assertThat(e.getMessage()).contains("accepted until");
    });
  }

  @Test
  void anAppTokenOnAPrivateKeyJwtApplicationSignsItsOwnAssertionsAcrossARotation() {
    awaitReady(create("keyless", spec -> {
      spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      spec.keyAlgorithm = ClientApplicationSpec.KeyAlgorithm.RS256;
      spec.serviceAccount = new ClientApplicationSpec.ServiceAccount();
      spec.serviceAccount.realmRoles = List.of("researcher");
    }));
    AppToken token = new AppToken();
    token.getMetadata().setName("keyless");
    token.getMetadata().setNamespace(namespace);
    token.setSpec(new AppTokenSpec());
    token.getSpec().clientApplicationRef = new LocalObjectReference("keyless");
    keymint.create(token);
    keymint.awaitStatus(AppToken.class, namespace, "keyless", AppToken::getStatus, ready("True", "TokenIssued"));
    String first = keymint.secretData(namespace, "keyless-token").get("access_token");
    Map<String, Object> claims = Jwt.claims(first);
    assertThat(claims.get("azp")).isEqualTo(namespace + ".keyless");
    assertThat(ClientApplicationIT.realmRoles(claims)).containsExactly("researcher");

    // a new key in the application's Secret: the AppToken mints with it at once and stays Ready
    String keyBefore = keymint.secretData(namespace, "keyless-client").get("key_id");
    keymint.edit(ClientApplication.class, namespace, "keyless",
        a -> a.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "1"));
    await().atMost(TIMEOUT).until(() -> !keyBefore.equals(keymint.secretData(namespace, "keyless-client").get("key_id")));
    await().atMost(TIMEOUT).until(() -> !first.equals(keymint.secretData(namespace, "keyless-token").get("access_token")));
    keymint.awaitStatus(AppToken.class, namespace, "keyless", AppToken::getStatus, ready("True", "TokenIssued"));
  }

  @Test
  void aKeyLostInKeycloakIsReplacedAndAnOrphanKeyIsRemoved() throws Exception {
    ClientApplication app = create("repaired", spec ->
        spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt);
    awaitReady(app);
    Map<String, String> first = keymint.secretData(namespace, "repaired-client");
    String clientId = first.get("client_id");
    // someone replaces the client's keys in Keycloak with one whose private half Keymint never had
    ClientRepresentation client = realm.findClient(clientId);
    com.nimbusds.jose.jwk.ECKey stranger = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
        .keyID("stranger").generate();
    client.getAttributes().put("jwks.string", new JWKSet(stranger.toPublicJWK()).toString());
    realm.admin().clients().get(client.getId()).update(client);
    assertThat(SignedAssertions.clientCredentials(first).status()).isIn(400, 401);

    // the next drift check (here: a spec change) finds the Secret's key gone: a new key, the stranger removed
    keymint.edit(ClientApplication.class, namespace, "repaired", a -> a.getSpec().description = "repaired");
    await().atMost(TIMEOUT).until(() -> !first.get("key_id").equals(keymint.secretData(namespace, "repaired-client").get("key_id")));
    Map<String, String> second = keymint.secretData(namespace, "repaired-client");
    assertThat(SignedAssertions.clientCredentials(second).status()).isEqualTo(200);
    assertThat(registeredKeyIds(clientId)).containsExactly(second.get("key_id"));
  }

  @Test
  void switchingToPrivateKeyJwtAndBackConverges() throws Exception {
    ClientApplication app = create("switcher", spec -> { });
    awaitReady(app);
    Map<String, String> withSecret = keymint.secretData(namespace, "switcher-client");
    assertThat(realm.clientCredentials(withSecret.get("client_id"), withSecret.get("client_secret")).status()).isEqualTo(200);

    keymint.edit(ClientApplication.class, namespace, "switcher",
        a -> a.getSpec().clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt);
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("private_key"));
    awaitReady(app);
    Map<String, String> withKey = keymint.secretData(namespace, "switcher-client");
    assertThat(withKey).doesNotContainKey("client_secret");
    assertThat(SignedAssertions.clientCredentials(withKey).status()).isEqualTo(200);
    assertThat(realm.clientCredentials(withSecret.get("client_id"), withSecret.get("client_secret")).status()).isIn(400, 401);

    keymint.edit(ClientApplication.class, namespace, "switcher", a -> a.getSpec().clientAuthentication = null);
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("client_secret"));
    ClientApplicationStatus status = awaitReady(app).getStatus();
    Map<String, String> back = keymint.secretData(namespace, "switcher-client");
    assertThat(back).doesNotContainKeys("private_key", "key_id", "token_endpoint_auth_method");
    assertThat(realm.clientCredentials(back.get("client_id"), back.get("client_secret")).status()).isEqualTo(200);
    assertThat(SignedAssertions.clientCredentials(withKey).status()).isIn(400, 401);
    assertThat(back.get("client_secret")).as("a fresh secret, not the one Keycloak kept meanwhile")
        .isNotEqualTo(withSecret.get("client_secret"));
    assertThat(realm.clientCredentials(withSecret.get("client_id"), withSecret.get("client_secret")).status()).isIn(400, 401);
    assertThat(status.keyId).isNull();
    Secret secret = keymint.secret(namespace, "switcher-client");
    assertThat(secret.getMetadata().getAnnotations()).doesNotContainKeys("keymint.io/key-algorithm", "keymint.io/previous-key-id");
    assertThat(realm.findClient(back.get("client_id")).getAttributes()).doesNotContainKey("jwks.string");
  }

  @Test
  void operatorStoppedAfterRegisteringANewKeyConvergesWithoutTheOrphanAndKeepsTheOldKey() throws Exception {
    ClientApplication app = create("interrupted", spec ->
        spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt);
    awaitReady(app);
    Map<String, String> first = keymint.secretData(namespace, "interrupted-client");
    String clientId = first.get("client_id");
    String uuid = realm.findClient(clientId).getId();
    keymint.stopOperator();
    try {
      // exactly what a rotation does before it writes the Secret, then "crash": the private half is lost
      var client = realm.admin().clients().get(uuid);
      var representation = client.toRepresentation();
      List<com.nimbusds.jose.jwk.JWK> keys = new java.util.ArrayList<>(
          com.nimbusds.jose.jwk.JWKSet.parse(representation.getAttributes().get("jwks.string")).getKeys());
      keys.add(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("lost")
          .keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).generate().toPublicJWK());
      representation.getAttributes().put("jwks.string", new com.nimbusds.jose.jwk.JWKSet(keys).toString(true));
      client.update(representation);
      keymint.edit(ClientApplication.class, namespace, "interrupted",
          a -> a.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "after-crash"));
      assertThat(registeredKeyIds(clientId)).containsExactlyInAnyOrder(first.get("key_id"), "lost");
    } finally {
      keymint.startOperator();
    }
    await().atMost(TIMEOUT).until(() -> !first.get("key_id").equals(keymint.secretData(namespace, "interrupted-client").get("key_id")));
    Map<String, String> second = keymint.secretData(namespace, "interrupted-client");
    assertThat(registeredKeyIds(clientId)).containsExactlyInAnyOrder(first.get("key_id"), second.get("key_id"));
    assertThat(SignedAssertions.clientCredentials(second).status()).isEqualTo(200);
    assertThat(SignedAssertions.clientCredentials(first).status()).as("the old key, within the default 10m grace").isEqualTo(200);
    ClientApplicationStatus status = awaitReady(app).getStatus();
    assertThat(status.keyId).isEqualTo(second.get("key_id"));
    assertThat(status.previousKeyId).isEqualTo(first.get("key_id"));
  }

  @Test
  void anUnchangedPrivateKeyJwtApplicationReconciledOnAnEventMakesNoAdminRequest() {
    ClientApplication app = create("quiet", spec ->
        spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt);
    awaitReady(app);
    KeycloakGateway gateway = keymint.operator().keycloak();
    long before = gateway.adminRequestCount();
    keymint.edit(ClientApplication.class, namespace, "quiet", a -> {
      a.getSpec().secret = new ClientApplicationSpec.OutputSecret();
      a.getSpec().secret.template = new io.keymint.api.SecretTemplate();
      a.getSpec().secret.template.labels = Map.of("touched", "yes");
    });
    await().atMost(TIMEOUT).until(() -> "yes".equals(keymint.secret(namespace, "quiet-client").getMetadata().getLabels().get("touched")));
    awaitReady(app);
    assertThat(gateway.adminRequestCount() - before).isZero();
  }

  // --- helpers -------------------------------------------------------------------------------

  private List<String> registeredKeyIds(String clientId) throws java.text.ParseException {
    String jwks = realm.findClient(clientId).getAttributes().get("jwks.string");
    return JWKSet.parse(jwks).getKeys().stream().map(k -> k.getKeyID()).toList();
  }

  private List<io.fabric8.kubernetes.api.model.Event> events(String name) {
    return keymint.client().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private ClientApplication create(String name, Consumer<ClientApplicationSpec> specEdit) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setAnnotations(new HashMap<>());
    ClientApplicationSpec spec = new ClientApplicationSpec();
    specEdit.accept(spec);
    app.setSpec(spec);
    return keymint.create(app);
  }

  private ClientApplication awaitReady(ClientApplication app) {
    return keymint.awaitStatus(ClientApplication.class, namespace, app.getMetadata().getName(),
        ClientApplication::getStatus, ready("True", "Provisioned").and(s -> s.observedGeneration != null
            && s.observedGeneration.equals(keymint.get(ClientApplication.class, namespace, app.getMetadata().getName())
                .getMetadata().getGeneration())));
  }
}
