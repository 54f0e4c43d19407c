package io.keymint.clientapp;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.keymint.api.Reasons;
import io.keymint.kube.Caches;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretInformers;
import java.net.URI;
import java.util.Map;

/**
 * A ClientApplication as a place to exchange tokens: its token URL and credentials, read from its
 * Secret. Used by AppTokens and PlatformTokens that refer to an application.
 *
 * @param clientSecret null for a Public application
 * @param version      fingerprint material: changes when the credentials change (no secret in it)
 */
public record ApplicationCredentials(URI tokenUrl, String clientId, String clientSecret, boolean publicClient,
    String version) {

  /** Resolves the application from the informer caches; not there or not Ready: ClientApplicationNotReady. */
  public static ApplicationCredentials resolve(Context<?> context, String namespace, String name) {
    ClientApplication app = Caches.get(context, ClientApplication.class, namespace, name);
    if (app == null) {
      throw notReady("ClientApplication '" + name + "' does not exist in namespace '" + namespace + "'");
    }
    if (app.getStatus() == null || !app.getStatus().isReady() || app.getStatus().secretName == null) {
      throw notReady("ClientApplication '" + name + "' is not Ready yet");
    }
    Secret secret = SecretInformers.cached(context, namespace, app.getStatus().secretName);
    if (secret == null) {
      throw notReady("the Secret of ClientApplication '" + name + "' is not there yet");
    }
    Map<String, String> data = OutputSecrets.decode(secret);
    boolean publicClient = app.getSpec() != null && app.getSpec().type == ClientApplicationSpec.Type.Public;
    return new ApplicationCredentials(URI.create(data.get("token_url")), data.get("client_id"),
        publicClient ? null : data.get("client_secret"), publicClient,
        app.getMetadata().getUid() + "/" + secret.getMetadata().getResourceVersion());
  }

  private static ReconcileException notReady(String message) {
    return ReconcileException.retryable(Reasons.CLIENT_APPLICATION_NOT_READY, message);
  }
}
