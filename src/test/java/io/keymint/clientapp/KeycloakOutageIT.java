package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keymint.api.Condition;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TcpProxy;
import io.keymint.testing.TestRealm;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keycloak going away and coming back, and Keycloak changed behind Keymint's back. Keymint talks
 * to Keycloak through a loopback proxy the test cuts; the resync interval is short so the drift
 * check comes within the test.
 */
@ExtendWith(KeycloakExtension.class)
class KeycloakOutageIT {

  private static TestRealm realm;
  private static TcpProxy proxy;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    URI keycloak = URI.create(realm.baseUrl());
    proxy = TcpProxy.start(keycloak.getHost(), keycloak.getPort());
    keymint = KeymintFixture.start(realm, Map.of(
        "KEYMINT_KEYCLOAK_URL", "http://127.0.0.1:" + proxy.port(),
        "KEYMINT_RESYNC_INTERVAL", "5s"));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("outage");
  }

  @Test
  void unreachableKeycloakIsReportedAndRecoveredFromWithoutHelp() {
    awaitReady(create("before"));
    proxy.cut();
    try {
      create("during");
      ClientApplication waiting = keymint.awaitStatus(ClientApplication.class, namespace, "during",
          ClientApplication::getStatus, ready("False", "IdentityProviderUnavailable").and(s -> s.failedAttempts != null && s.failedAttempts >= 2));
      assertThat(waiting.getStatus().condition(Condition.RECONCILING).status).isEqualTo("True");
      assertThat(waiting.getStatus().condition(Condition.STALLED).status).isEqualTo("False");
      assertThat(waiting.getStatus().lastFailureTime).isNotNull();
      assertThat(waiting.getStatus().condition(Condition.READY).message).contains("unreachable");
    } finally {
      proxy.restore();
    }
    ClientApplication recovered = awaitReady(keymint.get(ClientApplication.class, namespace, "during"));
    assertThat(recovered.getStatus().failedAttempts).isNull();
    Map<String, String> data = keymint.secretData(namespace, "during-client");
    assertThat(realm.clientCredentials(data.get("client_id"), data.get("client_secret")).status()).isEqualTo(200);
  }

  @Test
  void aClientDeletedOrChangedInKeycloakIsRestoredByTheDriftCheck() {
    awaitReady(create("drifter"));
    String clientId = namespace + ".drifter";
    var original = realm.findClient(clientId);
    var changed = realm.findClient(clientId);
    changed.setDirectAccessGrantsEnabled(true);
    realm.admin().clients().get(changed.getId()).update(changed);
    await().atMost(TIMEOUT).until(() -> !realm.findClient(clientId).isDirectAccessGrantsEnabled());

    realm.admin().clients().get(original.getId()).remove();
    await().atMost(TIMEOUT).until(() -> realm.countClients(clientId) == 1);
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Map<String, String> data = keymint.secretData(namespace, "drifter-client");
      assertThat(realm.clientCredentials(data.get("client_id"), data.get("client_secret")).status()).isEqualTo(200);
    });
    assertThat(keymint.get(ClientApplication.class, namespace, "drifter").getStatus().clientUuid)
        .isNotEqualTo(original.getId());
  }

  private ClientApplication create(String name) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.setSpec(new ClientApplicationSpec());
    return keymint.create(app);
  }

  private ClientApplication awaitReady(ClientApplication app) {
    return keymint.awaitStatus(ClientApplication.class, namespace, app.getMetadata().getName(),
        ClientApplication::getStatus, ready("True", "Provisioned"));
  }
}
