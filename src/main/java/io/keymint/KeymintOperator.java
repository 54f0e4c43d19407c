package io.keymint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.keymint.clientapp.ClientApplicationReconciler;
import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.KeycloakGateway;
import java.time.Clock;
import java.util.HashSet;

/**
 * Keymint's reconcilers on one JOSDK operator, with the long-lived gateways they share. The
 * command line and the tests start Keymint through this one class, so they run the same code.
 */
public final class KeymintOperator implements AutoCloseable {

  private final Operator operator;
  private final KeycloakGateway keycloak;

  private KeymintOperator(Operator operator, KeycloakGateway keycloak) {
    this.operator = operator;
    this.keycloak = keycloak;
  }

  public static KeymintOperator start(KubernetesClient client, OperatorConfig config, Clock clock) {
    KeycloakGateway keycloak = config.keycloak() == null ? null : new KeycloakGateway(config.keycloak());
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false));
    operator.register(new ClientApplicationReconciler(config, keycloak, clock), o -> {
      if (!config.watchNamespaces().isEmpty()) {
        o.settingNamespaces(new HashSet<>(config.watchNamespaces()));
      }
    });
    operator.start();
    return new KeymintOperator(operator, keycloak);
  }

  /** The Keycloak gateway, or null when no Keycloak is configured. */
  public KeycloakGateway keycloak() {
    return keycloak;
  }

  @Override
  public void close() {
    operator.stop();
    if (keycloak != null) {
      keycloak.close();
    }
  }
}
