package io.keymint.platformtoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.kube.Hashes;
import io.keymint.kube.OutputSecrets;
import java.util.Map;

/**
 * The operator-owned Secret where Keymint keeps the newest refresh token a provider returned,
 * with a fingerprint of the user's credential it descends from. Owned by the PlatformToken,
 * labelled like every Keymint Secret, never the user's Secret and never meant to be mounted. When
 * the user puts a different credential into their own Secret, that one wins.
 */
final class StateSecret {

  static final String REFRESH_TOKEN = "refresh_token";
  static final String DESCENDS_FROM = "descends_from";

  private final KubernetesClient client;
  private final OutputSecrets secrets;
  private final PlatformToken owner;
  private final String name;

  StateSecret(KubernetesClient client, OutputSecrets secrets, PlatformToken owner, String name) {
    this.client = client;
    this.secrets = secrets;
    this.owner = owner;
    this.name = name;
  }

  /**
   * The refresh token to present now: the kept one if it descends from the user's current
   * credential, else the user's credential itself. Read from the API server, not a cache: a used
   * refresh token must never be presented twice.
   */
  String refreshTokenFor(String userCredential) {
    Secret state = current();
    if (state == null) {
      return null;
    }
    Map<String, String> data = OutputSecrets.decode(state);
    return fingerprint(userCredential).equals(data.get(DESCENDS_FROM)) ? data.get(REFRESH_TOKEN) : null;
  }

  /** Keeps a refresh token the provider returned; true when it was a new one. */
  boolean keep(String refreshToken, String userCredential) {
    Secret current = current();
    Map<String, String> data = Map.of(REFRESH_TOKEN, refreshToken, DESCENDS_FROM, fingerprint(userCredential));
    if (current != null && refreshToken.equals(OutputSecrets.decode(current).get(REFRESH_TOKEN))) {
      return false;
    }
    secrets.apply(owner, secrets.requireWritable(owner, name, current), OutputSecrets.desired(owner, name, data, null));
    return true;
  }

  private Secret current() {
    return client.secrets().inNamespace(owner.getMetadata().getNamespace()).withName(name).get();
  }

  /** Stored only in this operator-owned Secret, next to the token it describes. */
  private static String fingerprint(String credential) {
    return Hashes.of("credential", credential);
  }
}
