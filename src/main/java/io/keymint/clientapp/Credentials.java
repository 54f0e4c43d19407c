package io.keymint.clientapp;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.OwnedClient;
import io.keymint.kube.Events;
import io.keymint.kube.Times;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an application's credential: its client secret, or its key pair (PrivateKeyJwt), or says
 * that it has none (ServiceAccount: its workload's token is the credential). Rotation
 * keeps the previous credential accepted for the grace period where Keycloak can: always for keys
 * (the client's key set holds both public keys), for secrets where the realm keeps a rotated secret.
 * The bookkeeping (previous key, its end) lives on the Secret, written with the credential itself.
 */
final class Credentials {

  private static final Logger log = LoggerFactory.getLogger(Credentials.class);
  /** On the output Secret: the algorithm of its key pair. */
  static final String KEY_ALGORITHM = "keymint.io/key-algorithm";
  /** On the output Secret: the previous key's id, still registered until {@link #PREVIOUS_EXPIRES_AT}. */
  static final String PREVIOUS_KEY_ID = "keymint.io/previous-key-id";
  /** On the output Secret: when the credential replaced by the last rotation stops (stopped) being accepted. */
  static final String PREVIOUS_EXPIRES_AT = "keymint.io/previous-credential-expires-at";
  /** On the output Secret: Keycloak holds the previous client secret as its rotated secret until Keymint removes it. */
  static final String PREVIOUS_SECRET_HELD = "keymint.io/previous-secret-held";
  /** On the output Secret: when Keycloak stops accepting its client secret (a realm policy's expiration period). */
  static final String SECRET_EXPIRES_AT = "keymint.io/secret-expires-at";
  /** On the output Secret: the ServiceAccount the client is bound to (a ServiceAccount application's; no credential). */
  static final String SERVICE_ACCOUNT = "keymint.io/service-account";
  /** Every bookkeeping annotation; those a credential no longer has are removed from the Secret. */
  static final List<String> BOOKKEEPING = List.of(KEY_ALGORITHM, PREVIOUS_KEY_ID, PREVIOUS_EXPIRES_AT, PREVIOUS_SECRET_HELD,
      SECRET_EXPIRES_AT, SERVICE_ACCOUNT);

  /**
   * What the Secret tells: its standard keys (empty when it is missing or was edited) and Keymint's
   * bookkeeping annotations.
   */
  record SecretView(Map<String, String> data, Map<String, String> annotations) {
    String annotation(String name) {
      return annotations.get(name);
    }

    @Override
    public String toString() {
      return "SecretView[keys=" + data.keySet() + ", annotations=" + annotations + "]";
    }
  }

  /** A rotation asked for or due. */
  record Rotation(boolean requested, boolean due) {
    boolean any() {
      return requested || due;
    }

    String describe() {
      return requested ? "keymint.io/rotate-secret" : "rotation period";
    }
  }

  private final KeycloakGateway keycloak;

  Credentials(KeycloakGateway keycloak) {
    this.keycloak = keycloak;
  }

  /**
   * Whether the cached Secret alone shows that the credential needs no decision: no rotation asked
   * for or due, no grace period ended, no switch of clientAuthentication. Otherwise the reconciler
   * reads the Secret from the API server first.
   */
  static boolean settled(ClientApplicationModel model, SecretView view, Rotation rotation, Instant now) {
    if (model.boundToServiceAccount()) {
      return true; // nothing to decide: no credential
    }
    if (model.privateKeyJwt()) {
      return keyPairSettled(model, view, rotation, now);
    }
    return !rotation.any() && !"true".equals(view.annotation(PREVIOUS_SECRET_HELD)) && !switchedToSecret(view);
  }

  /** The Secret held a key pair or a ServiceAccount binding: the client has just switched (back) to a client secret. */
  private static boolean switchedToSecret(SecretView view) {
    return view.annotation(KEY_ALGORITHM) != null || view.annotation(SERVICE_ACCOUNT) != null;
  }

  /**
   * A ServiceAccount application's: no credential, only how to authenticate and the audience the
   * workload's projected token must carry. Nothing to rotate, nothing to ask Keycloak.
   */
  static Credential serviceAccount(ServiceAccountBinding binding, String audience) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(ApplicationSecret.AUTH_METHOD, ApplicationSecret.FEDERATED_JWT);
    data.put(ApplicationSecret.AUDIENCE, audience);
    return new Credential(data, Map.of(SERVICE_ACCOUNT, binding.name()), null, null, null, null, null, null);
  }

  /** Whether the cached Secret alone shows that the key pair needs no look at Keycloak. */
  static boolean keyPairSettled(ClientApplicationModel model, SecretView view, Rotation rotation, Instant now) {
    return KeyRotation.nothingToDo(view.data().get(ApplicationSecret.KEY_ID), algorithm(view),
        view.annotation(PREVIOUS_KEY_ID), Times.parse(view.annotation(PREVIOUS_EXPIRES_AT)), model.keyAlgorithm(),
        rotation.requested(), rotation.due(), now);
  }

  /**
   * The key pair: kept, rotated or regenerated as {@link KeyRotation} plans it. The client's key set
   * is changed here, before the caller writes the Secret: a new public key is registered before its
   * private key reaches the Secret, and an old one leaves only after its grace period.
   */
  Credential keyPair(KubernetesClient kube, HasMetadata app, ClientApplicationModel model, Supplier<OwnedClient> client,
      Instant rotatedAt, SecretView view, Rotation rotation, boolean checkKeycloak, Instant now) {
    String secretKeyId = view.data().get(ApplicationSecret.KEY_ID);
    Instant previousEnd = Times.parse(view.annotation(PREVIOUS_EXPIRES_AT));
    if (!checkKeycloak && keyPairSettled(model, view, rotation, now)) {
      return keyPairCredential(view.data().get(ApplicationSecret.PRIVATE_KEY), secretKeyId, model.keyAlgorithm(),
          view.annotation(PREVIOUS_KEY_ID), previousEnd, rotatedAt);
    }
    Map<String, String> registered = keycloak.registeredKeys(client.get());
    KeyRotation.State state = new KeyRotation.State(secretKeyId, algorithm(view), view.annotation(PREVIOUS_KEY_ID),
        previousEnd, registered.keySet());
    KeyRotation.Plan plan = KeyRotation.plan(state, model.keyAlgorithm(), rotation.requested(), rotation.due(),
        model.gracePeriod(), now);
    SigningKeys.GeneratedKey generated = plan.generatesKey() ? SigningKeys.generate(model.keyAlgorithm()) : null;
    if (plan.changesKeycloak(registered.keySet())) {
      Map<String, String> keys = new TreeMap<>(registered);
      keys.keySet().retainAll(plan.keepKeyIds());
      if (generated != null) {
        keys.put(generated.keyId(), generated.publicJwk());
      }
      keycloak.registerKeys(client.get(), keys.values());
      log.info("Registered keys {} on client {} (removed {})", keys.keySet(), model.clientId(),
          registered.keySet().stream().filter(k -> !keys.containsKey(k)).toList());
    }
    if (generated == null) {
      return keyPairCredential(view.data().get(ApplicationSecret.PRIVATE_KEY), secretKeyId, model.keyAlgorithm(),
          plan.previousKeyId(), plan.previousExpiresAt(), rotatedAt);
    }
    log.info("New {} key {} for client {} ({})", model.keyAlgorithm(), generated.keyId(), model.clientId(),
        plan.cause().description());
    if (plan.cause().keepsOldKey()) {
      Events.record(kube, app, Events.NORMAL, "SecretRotated", "a new key (" + generated.keyId() + ") was registered for '"
          + model.clientId() + "' (" + plan.cause().description() + "); the previous key (" + plan.previousKeyId()
          + ") is accepted until " + Times.format(plan.previousExpiresAt()), now);
    }
    return keyPairCredential(generated.privateKeyPem(), generated.keyId(), generated.algorithm(),
        plan.previousKeyId(), plan.previousExpiresAt(), now);
  }

  private static Credential keyPairCredential(String privateKey, String keyId, KeyAlgorithm algorithm,
      String previousKeyId, Instant previousEnd, Instant rotatedAt) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(ApplicationSecret.PRIVATE_KEY, privateKey);
    data.put(ApplicationSecret.KEY_ID, keyId);
    data.put(ApplicationSecret.AUTH_METHOD, ApplicationSecret.PRIVATE_KEY_JWT);
    Map<String, String> bookkeeping = new LinkedHashMap<>();
    bookkeeping.put(KEY_ALGORITHM, algorithm.name());
    if (previousKeyId != null) {
      bookkeeping.put(PREVIOUS_KEY_ID, previousKeyId);
    }
    if (previousEnd != null) {
      bookkeeping.put(PREVIOUS_EXPIRES_AT, Times.format(previousEnd));
    }
    return new Credential(data, bookkeeping, previousKeyId == null ? null : previousEnd, rotatedAt, null, keyId,
        previousKeyId, previousEnd);
  }

  /**
   * The client secret: regenerated when a rotation is asked for or due (the previous one kept for the
   * grace period where the realm keeps rotated secrets), else the Secret's own, else Keycloak's.
   */
  Credential clientSecret(KubernetesClient kube, HasMetadata app, ClientApplicationModel model, Supplier<OwnedClient> client,
      Instant rotatedAt, SecretView view, Rotation rotation, boolean checkKeycloak, Instant now) {
    Instant previousEnd = Times.parse(view.annotation(PREVIOUS_EXPIRES_AT));
    boolean held = "true".equals(view.annotation(PREVIOUS_SECRET_HELD));
    String secret;
    // a Secret that held a key pair or a ServiceAccount binding: back from PrivateKeyJwt or ServiceAccount, a fresh
    // secret, never the one Keycloak kept meanwhile
    boolean switched = switchedToSecret(view);
    if (rotation.any() || switched) {
      String why = rotation.any() ? rotation.describe() : "clientAuthentication changed";
      String previous = view.data().get(ApplicationSecret.CLIENT_SECRET);
      secret = keycloak.regenerateSecret(client.get());
      Instant keptUntil = previous == null ? null : keycloak.rotatedSecretExpiry(client.get(), previous);
      previousEnd = SecretGrace.previousEnd(now, model.gracePeriod(), keptUntil);
      held = SecretGrace.removedByKeymint(keptUntil, previousEnd);
      rotatedAt = now;
      log.info("Rotated the client secret of {} ({}; the previous one {})", model.clientId(), why,
          keptUntil == null ? "ended at once" : "is accepted until " + Times.format(previousEnd));
      Events.record(kube, app, Events.NORMAL, "SecretRotated", "the client secret of '" + model.clientId()
          + "' was regenerated (" + why + "); " + (keptUntil == null
              ? "the old one no longer works (realm '" + model.realm() + "' keeps no rotated secret)"
              : "the old one is accepted until " + Times.format(previousEnd)), now);
    } else {
      if (SecretGrace.removalDue(held, previousEnd, now)) {
        keycloak.deleteRotatedSecret(client.get());
        log.info("Removed the previous client secret of {}: its grace period ended", model.clientId());
        held = false;
      }
      String kept = view.data().get(ApplicationSecret.CLIENT_SECRET);
      secret = kept != null && !checkKeycloak ? kept : keycloak.readSecret(client.get());
    }
    // Keycloak's expiry of the current secret, looked up whenever Keymint asked Keycloak for the secret
    boolean regenerated = rotation.any() || switched;
    Instant expiresAt = regenerated || checkKeycloak || view.data().isEmpty()
        ? keycloak.secretExpiry(client.get()) : Times.parse(view.annotation(SECRET_EXPIRES_AT));
    if (regenerated && expiresAt != null && !expiresAt.isAfter(now)) {
      expiresAt = null; // a stale expiry (e.g. a policy since removed) must not make every reconcile rotate
    }
    Map<String, String> bookkeeping = new LinkedHashMap<>();
    if (previousEnd != null) {
      bookkeeping.put(PREVIOUS_EXPIRES_AT, Times.format(previousEnd));
    }
    if (held) {
      bookkeeping.put(PREVIOUS_SECRET_HELD, "true");
    }
    if (expiresAt != null) {
      bookkeeping.put(SECRET_EXPIRES_AT, Times.format(expiresAt));
    }
    Instant renewal = SecretGrace.renewalAt(rotatedAt, expiresAt);
    Instant next = held ? previousEnd : null;
    next = renewal != null && (next == null || renewal.isBefore(next)) ? renewal : next;
    return new Credential(Map.of(ApplicationSecret.CLIENT_SECRET, secret), bookkeeping, next, rotatedAt, expiresAt, null,
        null, previousEnd);
  }

  private static KeyAlgorithm algorithm(SecretView view) {
    String recorded = view.annotation(KEY_ALGORITHM);
    for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
      if (algorithm.name().equals(recorded)) {
        return algorithm;
      }
    }
    return null;
  }
}
