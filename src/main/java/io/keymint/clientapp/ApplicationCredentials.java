package io.keymint.clientapp;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.keymint.api.AuthMethod;
import io.keymint.api.Reasons;
import io.keymint.kube.Caches;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SharedSecrets;
import io.keymint.oauth.ClientAuthentication;
import io.keymint.oauth.ClientKey;
import java.net.URI;
import java.util.Map;

/**
 * A ClientApplication as a place to exchange tokens: its token URL and client, with how the client
 * authenticates, read from its Secret. Used by AppTokens and PlatformTokens that refer to an
 * application. No secret or key shows in {@link #toString()}.
 *
 * @param client  a public client, a client secret by HTTP Basic, or (the Secret says
 *                {@code token_endpoint_auth_method: private_key_jwt}) a client assertion signed
 *                with {@code private_key}, naming {@code key_id}
 * @param version fingerprint material: changes when the credentials change (no secret in it)
 */
public record ApplicationCredentials(URI tokenUrl, ClientAuthentication client, boolean publicClient, String version) {

  /**
   * Resolves the application from the informer caches (its Secret from the one watch of applications'
   * Secrets); not there or not Ready: ClientApplicationNotReady.
   * An application bound to a ServiceAccount has no credential here: AppTokens mint its assertions
   * themselves, other kinds cannot use it (InvalidSpec).
   */
  public static ApplicationCredentials resolve(Context<?> context, SharedSecrets applicationSecrets, String namespace,
      String name) {
    ClientApplication app = Caches.get(context, ClientApplication.class, namespace, name);
    if (app == null) {
      throw notReady("ClientApplication '" + name + "' does not exist in namespace '" + namespace + "'");
    }
    if (app.getSpec() != null && app.getSpec().clientAuthentication == ClientApplicationSpec.ClientAuthentication.ServiceAccount) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "ClientApplication '" + name + "' authenticates with"
          + " tokens of its ServiceAccount, which Keymint presents for AppTokens only");
    }
    if (app.getStatus() == null || !app.getStatus().isReady() || app.getStatus().secretName == null) {
      throw notReady("ClientApplication '" + name + "' is not Ready yet");
    }
    Secret secret = applicationSecrets.get(namespace, app.getStatus().secretName);
    if (secret == null) {
      throw notReady("the Secret of ClientApplication '" + name + "' is not there yet");
    }
    Map<String, String> data = OutputSecrets.decode(secret);
    boolean publicClient = app.getSpec() != null && app.getSpec().type == ClientApplicationSpec.Type.Public;
    return new ApplicationCredentials(URI.create(data.get(ApplicationSecret.TOKEN_URL)),
        clientOf(data, publicClient, name, app.getStatus().secretName), publicClient,
        app.getMetadata().getUid() + "/" + secret.getMetadata().getResourceVersion());
  }

  /**
   * How the application's client authenticates, from its Secret's data. A private key that does not
   * parse is the application's problem, not the referring resource's spec: ClientApplicationNotReady,
   * retried (the application restores its Secret).
   */
  static ClientAuthentication clientOf(Map<String, String> data, boolean publicClient, String application,
      String secretName) {
    String clientId = data.get(ApplicationSecret.CLIENT_ID);
    if (publicClient) {
      return ClientAuthentication.none(clientId);
    }
    if (ApplicationSecret.FEDERATED_JWT.equals(data.get(ApplicationSecret.AUTH_METHOD))) { // switching away from it
      throw notReady("ClientApplication '" + application + "' still authenticates with tokens of its ServiceAccount");
    }
    if (ApplicationSecret.PRIVATE_KEY_JWT.equals(data.get(ApplicationSecret.AUTH_METHOD))) {
      try {
        return ClientAuthentication.privateKeyJwt(clientId, ClientKey.parse(data.get(ApplicationSecret.PRIVATE_KEY),
            data.get(ApplicationSecret.KEY_ID),
            "the Secret '" + secretName + "' of ClientApplication '" + application + "' (key '" + ApplicationSecret.PRIVATE_KEY + "')"));
      } catch (ReconcileException unusable) {
        throw notReady(unusable.getMessage());
      }
    }
    return ClientAuthentication.secret(clientId, data.get(ApplicationSecret.CLIENT_SECRET), AuthMethod.ClientSecretBasic);
  }

  /** The application's client id. */
  public String clientId() {
    return client.clientId();
  }

  private static ReconcileException notReady(String message) {
    return ReconcileException.retryable(Reasons.CLIENT_APPLICATION_NOT_READY, message);
  }
}
