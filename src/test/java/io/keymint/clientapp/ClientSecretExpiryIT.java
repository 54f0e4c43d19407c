package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A realm whose client-secret rotation policy makes secrets expire after 45 s: Keymint reads the
 * expiry, rotates at two thirds of the lifetime without being asked, and the previous secret stays
 * accepted for the grace period, so the application's Secret never holds a secret Keycloak refuses.
 */
@ExtendWith(KeycloakExtension.class)
class ClientSecretExpiryIT {

  private static TestRealm realm;
  private static KeymintFixture keymint;

  @BeforeAll
  static void start(TestRealm testRealm) throws Exception {
    realm = testRealm;
    ObjectMapper json = new ObjectMapper();
    realm.admin().clientPoliciesProfilesResource().updateProfiles(json.readValue("""
        {"profiles": [{"name": "short-secrets", "executors": [{"executor": "secret-rotation", "configuration": {
          "expiration-period": "45", "rotated-expiration-period": "20", "remaining-rotation-period": "5"}}]}]}
        """, ClientProfilesRepresentation.class));
    realm.admin().clientPoliciesPoliciesResource().updatePolicies(json.readValue("""
        {"policies": [{"name": "short-secrets", "enabled": true,
          "conditions": [{"condition": "client-access-type", "configuration": {"type": ["confidential"]}}],
          "profiles": ["short-secrets"]}]}
        """, ClientPoliciesRepresentation.class));
    keymint = KeymintFixture.start(realm, Map.of());
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @Test
  void aSecretThatKeycloakMakesExpireIsRotatedBeforeItExpires() {
    String namespace = keymint.newNamespace("expiry");
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName("expiring");
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setAnnotations(new HashMap<>());
    app.setSpec(new ClientApplicationSpec());
    app.getSpec().secret = new ClientApplicationSpec.OutputSecret();
    app.getSpec().secret.rotation = new ClientApplicationSpec.Rotation();
    app.getSpec().secret.rotation.gracePeriod = "10s";
    Instant created = Instant.now();
    keymint.create(app);
    ClientApplicationStatus first = keymint.awaitStatus(ClientApplication.class, namespace, "expiring",
        ClientApplication::getStatus, s -> ((ClientApplicationStatus) s).secretExpiresAt != null
            && s.isReady()).getStatus();
    Instant firstExpiry = Instant.parse(first.secretExpiresAt);
    assertThat(firstExpiry).isBetween(created.plusSeconds(40), Instant.now().plusSeconds(46));
    Map<String, String> before = keymint.secretData(namespace, "expiring-client");
    String clientId = before.get("client_id");
    assertThat(realm.clientCredentials(clientId, before.get("client_secret")).status()).isEqualTo(200);

    // nobody asks: Keymint rotates at two thirds of the secret's 45 s, before Keycloak would refuse it
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> !before.get("client_secret")
        .equals(keymint.secretData(namespace, "expiring-client").get("client_secret")));
    Instant rotated = Instant.now();
    assertThat(rotated).isBefore(firstExpiry);
    Map<String, String> after = keymint.secretData(namespace, "expiring-client");
    assertThat(realm.clientCredentials(clientId, after.get("client_secret")).status()).isEqualTo(200);
    assertThat(realm.clientCredentials(clientId, before.get("client_secret")).status())
        .as("the previous secret, within the grace period").isEqualTo(200);
    ClientApplicationStatus second = keymint.awaitStatus(ClientApplication.class, namespace, "expiring",
        ClientApplication::getStatus, s -> ((ClientApplicationStatus) s).secretExpiresAt != null
            && Instant.parse(((ClientApplicationStatus) s).secretExpiresAt).isAfter(firstExpiry)).getStatus();
    assertThat(Instant.parse(second.previousCredentialExpiresAt)).isBefore(rotated.plusSeconds(12));
    assertThat(second.lastRotationRequest).isNull();
  }
}
