package io.keymint.platformtoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.keymint.api.Labels;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key of the fingerprints Keymint keeps of users' long-lived credentials (which credential a
 * kept refresh token descends from). A fingerprint is an HMAC under this key, not a bare hash, so
 * that one read of a state Secret does not let anyone test guesses of a password against it. The
 * key is generated once per installation and kept in an operator-owned Secret in Keymint's own
 * namespace; replicas that race to create it all end up with the one that was stored.
 */
public final class FingerprintKey {

  public static final String SECRET_NAME = "keymint-fingerprint-key";
  static final String KEY = "key";
  private static final String ALGORITHM = "HmacSHA256";

  private final byte[] key;

  FingerprintKey(byte[] key) {
    this.key = key.clone();
  }

  /** The installation's key from {@code namespace}, created there the first time. */
  public static FingerprintKey loadOrCreate(KubernetesClient client, String namespace) {
    var secrets = client.secrets().inNamespace(namespace);
    Secret existing = secrets.withName(SECRET_NAME).get();
    if (existing == null) {
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      try {
        existing = secrets.resource(new SecretBuilder().withNewMetadata().withName(SECRET_NAME).withNamespace(namespace)
            .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
            .withType("Opaque").withData(Map.of(KEY, Base64.getEncoder().encodeToString(fresh))).build()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = secrets.withName(SECRET_NAME).get(); // another replica created it first
      }
    }
    String encoded = existing.getData() == null ? null : existing.getData().get(KEY);
    if (encoded == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + SECRET_NAME + " has no key '" + KEY
          + "'; delete it and Keymint creates a new one");
    }
    return new FingerprintKey(Base64.getDecoder().decode(encoded));
  }

  /** The fingerprint of a credential: HMAC-SHA256 under the installation's key, hex. */
  public String of(String credential) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(credential.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
