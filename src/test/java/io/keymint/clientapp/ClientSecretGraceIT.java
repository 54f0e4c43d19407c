package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keymint.api.Condition;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;

/**
 * Client-secret rotation with a grace period, in a realm whose admin enabled Keycloak's client-secret
 * rotation policy (the preview feature client-secret-rotation, on in the test server): the previous
 * secret stays accepted for the application's gracePeriod, then Keymint removes it, although Keycloak
 * would keep it for an hour. Without the policy, ClientApplicationIT shows the old secret ending at once.
 */
@ExtendWith(KeycloakExtension.class)
class ClientSecretGraceIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;

  @BeforeAll
  static void start(TestRealm testRealm) throws Exception {
    realm = testRealm;
    enableSecretRotationPolicy(realm);
    keymint = KeymintFixture.start(realm, Map.of());
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  /** What a realm admin does (Realm settings, Client policies): a profile with the secret-rotation executor, applied to confidential clients. */
  static void enableSecretRotationPolicy(TestRealm realm) throws Exception {
    ObjectMapper json = new ObjectMapper();
    realm.admin().clientPoliciesProfilesResource().updateProfiles(json.readValue("""
        {"profiles": [{"name": "secret-rotation", "description": "rotated secrets stay valid for an hour",
          "executors": [{"executor": "secret-rotation", "configuration": {
            "expiration-period": "86400", "rotated-expiration-period": "3600", "remaining-rotation-period": "600"}}]}]}
        """, ClientProfilesRepresentation.class));
    realm.admin().clientPoliciesPoliciesResource().updatePolicies(json.readValue("""
        {"policies": [{"name": "secret-rotation", "enabled": true,
          "conditions": [{"condition": "client-access-type", "configuration": {"type": ["confidential"]}}],
          "profiles": ["secret-rotation"]}]}
        """, ClientPoliciesRepresentation.class));
  }

  @Test
  void thePreviousSecretWorksForTheGracePeriodAndIsRefusedAfter() {
    String namespace = keymint.newNamespace("grace");
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("graceful");
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setAnnotations(new HashMap<>());
    app.setSpec(new ClientApplicationSpec());
    app.getSpec().secret = new ClientApplicationSpec.OutputSecret();
    app.getSpec().secret.rotation = new ClientApplicationSpec.Rotation();
    app.getSpec().secret.rotation.gracePeriod = "15s";
    keymint.create(app);
    awaitReady(namespace);
    Map<String, String> before = keymint.secretData(namespace, "graceful-client");
    String clientId = before.get("client_id");

    Instant rotation = Instant.now();
    keymint.edit(ClientApplication.class, namespace, "graceful",
        a -> a.getMetadata().getAnnotations().put("keymint.io/rotate-secret", "with-grace"));
    await().atMost(TIMEOUT).until(() -> !before.get("client_secret")
        .equals(keymint.secretData(namespace, "graceful-client").get("client_secret")));
    Map<String, String> after = keymint.secretData(namespace, "graceful-client");
    assertThat(realm.clientCredentials(clientId, after.get("client_secret")).status()).isEqualTo(200);
    assertThat(realm.clientCredentials(clientId, before.get("client_secret")).status())
        .as("the previous secret within the grace period").isEqualTo(200);

    ClientApplicationStatus status = keymint.awaitStatus(ClientApplication.class, namespace, "graceful",
        ClientApplication::getStatus, s -> "with-grace".equals(((ClientApplicationStatus) s).lastRotationRequest)
            && ((ClientApplicationStatus) s).previousCredentialExpiresAt != null).getStatus();
    Instant previousEnd = Instant.parse(status.previousCredentialExpiresAt);
    assertThat(previousEnd).as("the grace period, not Keycloak's hour").isBetween(rotation.plusSeconds(14),
        Instant.now().plusSeconds(16));
    assertThat(status.keyId).isNull();
    assertThat(status.condition(Condition.READY).message).contains("previous client secret is accepted until");

    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
        .until(() -> realm.clientCredentials(clientId, before.get("client_secret")).status() != 200);
    assertThat(Instant.now()).isAfterOrEqualTo(previousEnd);
    assertThat(realm.clientCredentials(clientId, before.get("client_secret")).status()).isEqualTo(401);
    assertThat(realm.clientCredentials(clientId, after.get("client_secret")).status()).isEqualTo(200);
    String uuid = realm.findClient(clientId).getId();
    assertThat(realm.findClient(clientId).getAttributes()).as("Keymint removed Keycloak's rotated secret")
        .doesNotContainKey("client.secret.rotated");
    assertThat(realm.admin().clients().get(uuid).getSecret().getValue()).isEqualTo(after.get("client_secret"));
    await().atMost(TIMEOUT).until(() -> !keymint.secret(namespace, "graceful-client").getMetadata().getAnnotations()
        .containsKey("keymint.io/previous-secret-held"));
  }

  private static ClientApplication awaitReady(String namespace) {
    return keymint.awaitStatus(ClientApplication.class, namespace, "graceful", ClientApplication::getStatus,
        ready("True", "Provisioned"));
  }
}
