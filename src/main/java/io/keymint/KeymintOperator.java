package io.keymint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.keymint.apptoken.AppTokenReconciler;
import io.keymint.clientapp.ClientApplicationReconciler;
import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.oauth.TokenEndpoint;
import io.keymint.platformtoken.PlatformTokenReconciler;
import java.time.Clock;
import java.util.HashSet;

/**
 * Keymint's reconcilers on one JOSDK operator, with the long-lived gateways they share. The
 * command line and the tests start Keymint through this one class, so they run the same code.
 */
public final class KeymintOperator implements AutoCloseable {

  private final Operator operator;
  private final KeycloakGateway keycloak;
  private final TokenEndpoint tokens;

  private KeymintOperator(Operator operator, KeycloakGateway keycloak, TokenEndpoint tokens) {
    this.operator = operator;
    this.keycloak = keycloak;
    this.tokens = tokens;
  }

  public static KeymintOperator start(KubernetesClient client, OperatorConfig config, Clock clock) {
    KeycloakGateway keycloak = config.keycloak() == null ? null : new KeycloakGateway(config.keycloak());
    TokenEndpoint tokens = new TokenEndpoint(clock);
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false));
    operator.register(new ClientApplicationReconciler(config, keycloak, clock), o -> watch(o, config));
    operator.register(new AppTokenReconciler(config, keycloak, tokens, clock), o -> watch(o, config));
    operator.register(new PlatformTokenReconciler(config, tokens, clock), o -> watch(o, config));
    operator.start();
    return new KeymintOperator(operator, keycloak, tokens);
  }

  private static void watch(ControllerConfigurationOverrider<?> overrider, OperatorConfig config) {
    if (!config.watchNamespaces().isEmpty()) {
      overrider.settingNamespaces(new HashSet<>(config.watchNamespaces()));
    }
  }

  /** The Keycloak gateway, or null when no Keycloak is configured. */
  public KeycloakGateway keycloak() {
    return keycloak;
  }

  /** The token endpoint client shared by the token reconcilers. */
  public TokenEndpoint tokens() {
    return tokens;
  }

  @Override
  public void close() {
    operator.stop();
    if (keycloak != null) {
      keycloak.close();
    }
  }
}
