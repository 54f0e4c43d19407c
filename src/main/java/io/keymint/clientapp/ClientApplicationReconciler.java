package io.keymint.clientapp;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.keymint.api.Labels;
import io.keymint.api.Reasons;
import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.OwnedClient;
import io.keymint.keycloak.OwnerMark;
import io.keymint.keycloak.RolePolicy;
import io.keymint.kube.Backoff;
import io.keymint.kube.ClusterIssuer;
import io.keymint.kube.NamespaceFairness;
import io.keymint.kube.Outcome;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.ReconcileResult;
import io.keymint.kube.SecretInformers;
import io.keymint.kube.SecretOwners;
import io.keymint.kube.SecretReferences;
import io.keymint.kube.SharedSecrets;
import io.keymint.kube.StatusUpdates;
import io.keymint.kube.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provisions a ClientApplication's client in Keycloak and keeps its credentials in a Secret.
 * An unchanged resource with an intact Secret costs no Keycloak call; the client is read back
 * (and repaired) every resync interval (KEYMINT_RESYNC_INTERVAL, 10 minutes by default), and its
 * secret rotated when asked or due.
 */
@ControllerConfiguration(name = "clientapplication", generationAwareEventProcessing = false)
public class ClientApplicationReconciler implements Reconciler<ClientApplication>, Cleaner<ClientApplication> {

  private static final Logger log = LoggerFactory.getLogger(ClientApplicationReconciler.class);
  static final Duration STALLED_RECHECK = Duration.ofMinutes(5);
  static final List<String> SECRET_KEYS = ApplicationSecret.KEYS;
  /** On the output Secret: when its client secret was last regenerated. */
  static final String ROTATED_AT = "keymint.io/rotated-at";

  private final OperatorConfig config;
  private final KeycloakGateway keycloak;
  private final RolePolicy rolePolicy;
  private final Clock clock;
  private final Credentials credentials;
  private final NamespaceFairness fairness;
  private final ClusterIssuer clusterIssuer;
  private final SharedSecrets applicationSecrets;

  /**
   * @param fairness      the per-namespace share of the reconcile threads, one for all kinds
   * @param clusterIssuer the issuer of this cluster's ServiceAccount tokens (ServiceAccount applications)
   * @param applicationSecrets where this reconciler's watch of the applications' Secrets is shared with the token reconcilers
   */
  public ClientApplicationReconciler(OperatorConfig config, NamespaceFairness fairness, KeycloakGateway keycloak,
      ClusterIssuer clusterIssuer, SharedSecrets applicationSecrets, Clock clock) {
    this.applicationSecrets = applicationSecrets;
    this.config = config;
    this.fairness = fairness;
    this.keycloak = keycloak;
    this.rolePolicy = new RolePolicy(config.grantableRoles());
    this.clock = clock;
    this.credentials = new Credentials(keycloak);
    this.clusterIssuer = clusterIssuer;
  }

  @Override
  public List<EventSource<?, ClientApplication>> prepareEventSources(EventSourceContext<ClientApplication> context) {
    return List.of(SecretInformers.own(context, OutputSecrets.selectorFor(ClientApplication.KIND), SecretReferences.ownerOnly(context),
        SecretOwners.of(SecretOwners.primaries(context, app -> Set.of(ClientApplicationModel.secretNameOf(app)))), applicationSecrets),
        fairness.wakeUps(ClientApplication.KIND));
  }

  /** The reconcile, when the application's namespace has a reconcile thread to spare ({@link NamespaceFairness}). */
  @Override
  public UpdateControl<ClientApplication> reconcile(ClientApplication app, Context<ClientApplication> context) {
    return fairness.reconcile(app, () -> reconcileNow(app, context));
  }

  private UpdateControl<ClientApplication> reconcileNow(ClientApplication app, Context<ClientApplication> context) {
    ClientApplicationStatus status = app.getStatus() == null ? new ClientApplicationStatus() : app.getStatus();
    app.setStatus(status);
    String before = StatusUpdates.snapshot(status);
    Instant now = clock.instant();
    Instant retryAt = retryAt(app, status);
    if (retryAt != null && now.isBefore(retryAt)) { // backing off, and nothing a user changed since the failure
      return StatusUpdates.finish(context, app, status, before, new ReconcileResult(null, Duration.between(now, retryAt)), now);
    }
    Outcome outcome;
    Duration next;
    try {
      requireSameClient(status, ClientApplicationModel.realmOf(app, config), ClientApplicationModel.clientIdOf(app));
      ClientApplicationModel model = ClientApplicationModel.from(app, config, rolePolicy);
      boolean clientCurrent = status.clientUuid != null && model.client().hash().equals(status.clientHash)
          && !driftCheckDue(status, now);
      if (!clientCurrent && model.keptClientId() && !keycloak.owns(model.realm(), model.clientId(), model.client().owner())) {
        model = ClientApplicationModel.from(app, config, rolePolicy, false); // the status named a client that is not ours
      }
      next = provision(app, model, clientCurrent, context, now);
      status.secretName = model.secretName();
      status.issuerUrl = keycloak.issuerUrl(model.realm());
      status.tokenUrl = keycloak.tokenUrl(model.realm());
      status.failedAttempts = null;
      status.lastFailureTime = null;
      outcome = Outcome.ready(Reasons.PROVISIONED, "client '" + model.clientId() + "' is provisioned in realm '"
          + model.realm() + "'; " + (model.boundToServiceAccount() ? "it authenticates with tokens of ServiceAccount '"
              + model.serviceAccount().name() + "' (no credential exists); Secret '" + model.secretName() + "' says where and how"
              : "its credentials are in Secret '" + model.secretName() + "'" + previousCredentialNote(model, status, now)));
    } catch (ReconcileException e) {
      if (Reasons.CLIENT_OWNED_ELSEWHERE.equals(e.reason())) { // someone else's client is never named in our status
        status.clientId = null;
        status.clientUuid = null;
        status.clientHash = null;
      }
      if (Reasons.CLIENT_NOT_FOUND.equals(e.reason())) { // deleted in Keycloak meanwhile: the next attempt provisions it
        status.clientHash = null;
      }
      ReconcileResult failure = StatusUpdates.failure(status, e, now, STALLED_RECHECK);
      outcome = failure.outcome();
      next = failure.next();
    } catch (RuntimeException e) {
      ReconcileResult failure = StatusUpdates.unexpected(app, status, e, now);
      outcome = failure.outcome();
      next = failure.next();
    }
    return StatusUpdates.finish(context, app, status, before, new ReconcileResult(outcome, next), now);
  }

  /** What the Ready message says about the credential the last rotation replaced. */
  static String previousCredentialNote(ClientApplicationModel model, ClientApplicationStatus status, Instant now) {
    if (model.privateKeyJwt()) {
      return status.previousKeyId == null ? "" : "; the previous key (" + status.previousKeyId
          + ") is accepted until " + status.previousCredentialExpiresAt;
    }
    Instant end = Times.parse(status.previousCredentialExpiresAt);
    if (end == null || !model.confidential()) {
      return "";
    }
    return end.equals(Times.parse(status.secretRotatedAt))
        ? "; the previous client secret ended at once when it was rotated (realm '" + model.realm() + "' keeps no"
            + " rotated secret for this client: see the README on Keycloak's client-secret rotation policy)"
        : now.isBefore(end) ? "; the previous client secret is accepted until " + status.previousCredentialExpiresAt
        : "; the previous client secret stopped being accepted at " + status.previousCredentialExpiresAt;
  }

  /**
   * After a transient failure: the earliest next attempt (the backoff without its jitter), unless
   * the spec or the rotation annotation changed since; else null.
   */
  private static Instant retryAt(ClientApplication app, ClientApplicationStatus status) {
    Instant failed = Times.parse(status.lastFailureTime);
    long generation = app.getMetadata().getGeneration() == null ? 0 : app.getMetadata().getGeneration();
    boolean unchanged = status.observedGeneration != null && status.observedGeneration == generation
        && Objects.equals(annotation(app, Labels.ROTATE_SECRET), status.lastRotationRequest);
    return status.failedAttempts == null || status.failedAttempts < 1 || failed == null || !unchanged ? null
        : failed.plus(Backoff.base(status.failedAttempts));
  }

  /**
   * spec.realm and spec.clientId are fixed once a client was provisioned, also when spec was omitted
   * at creation (the CRD's rule says so too; an API server without it, or a CRD from before it,
   * must not let a rename through).
   */
  private static void requireSameClient(ClientApplicationStatus status, String realm, String clientId) {
    if (status.clientUuid == null || realm == null) { // never provisioned, or no Keycloak: the model says which
      return;
    }
    if (status.realm != null && !status.realm.equals(realm)) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "spec.realm cannot change after creation: this"
          + " ClientApplication's client is in realm '" + status.realm + "' (delete and recreate it to move it)");
    }
    if (status.clientId != null && !status.clientId.equals(clientId)) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "spec.clientId cannot change after creation: this"
          + " ClientApplication provisioned client '" + status.clientId + "' (delete and recreate it to rename it)");
    }
  }

  /**
   * Brings Keycloak and the output Secret in line; returns when to look again. Every Keycloak call on
   * the client goes to a client verified in this reconcile: the one {@code ensureClient} made or
   * found, or the one status names once Keycloak showed it carries our mark.
   */
  private Duration provision(ClientApplication app, ClientApplicationModel model, boolean clientCurrent,
      Context<ClientApplication> context, Instant now) {
    ClientApplicationStatus status = app.getStatus();
    OutputSecrets secrets = OutputSecrets.of(context);
    Secret cached = context.getSecondaryResources(Secret.class).stream()
        .filter(s -> model.secretName().equals(s.getMetadata().getName())).findFirst().orElse(null);
    Secret current = secrets.requireWritable(app, model.secretName(), cached);

    // Which rotation was answered, when, and the previous credential are recorded on the Secret next to
    // the credential itself. A rotation, a new key or the end of a grace period is decided from the
    // Secret as the API server has it: a reconcile that starts from a stale cache must not act twice.
    Credentials.SecretView view = view(current, model);
    String rotationRequest = annotation(app, Labels.ROTATE_SECRET);
    Credentials.Rotation rotation = rotation(model, status, view, rotationRequest, now);
    if (!Credentials.settled(model, view, rotation, now) && current != null) {
      current = secrets.requireWritable(app, model.secretName(), null); // read from the API server
      view = view(current, model);
      rotation = rotation(model, status, view, rotationRequest, now);
    }

    Supplier<OwnedClient> client;
    if (clientCurrent) {
      client = verifiedOnFirstUse(model, status);
    } else {
      if (model.boundToServiceAccount()) { // the realm first: a realm that cannot take the binding gets no client
        keycloak.ensureFederatedBinding(model.client(), clusterIssuer.issuer());
      }
      OwnedClient ensured = keycloak.ensureClient(model.client()); // verifies our ownership mark
      client = () -> ensured;
      status.clientUuid = ensured.uuid();
      status.clientHash = model.client().hash();
      status.lastSyncTime = Times.format(now);
    }
    status.realm = model.realm(); // named only once Keycloak showed our mark on the client
    status.clientId = model.clientId();
    Instant recordedRotation = latest(Times.parse(view.annotation(ROTATED_AT)), Times.parse(status.secretRotatedAt));
    Instant rotatedAt = recordedRotation == null ? now : recordedRotation;
    Credential credential = !model.confidential() ? Credential.NONE
        : model.boundToServiceAccount() ? Credentials.serviceAccount(model.serviceAccount(), keycloak.issuerUrl(model.realm()))
        : model.privateKeyJwt() ? credentials.keyPair(context.getClient(), app, model, client, rotatedAt, view, rotation,
            !clientCurrent, now)
        : credentials.clientSecret(context.getClient(), app, model, client, rotatedAt, view, rotation, !clientCurrent, now);
    status.secretRotatedAt = Times.format(credential.rotatedAt());
    status.secretExpiresAt = Times.format(credential.expiresAt());
    status.keyId = credential.keyId();
    status.previousKeyId = credential.previousKeyId();
    status.previousCredentialExpiresAt = Times.format(credential.previousEnd());
    status.lastRotationRequest = rotationRequest;
    status.serviceAccountName = model.boundToServiceAccount() ? model.serviceAccount().name() : null;

    Map<String, String> data = ApplicationSecret.data(model.clientId(), credential.data(), keycloak.issuerUrl(model.realm()),
        keycloak.tokenUrl(model.realm()), model.realm());
    Map<String, String> bookkeeping = new LinkedHashMap<>(credential.bookkeeping());
    if (rotationRequest != null) {
      bookkeeping.put(Labels.ROTATION_ANSWERED, rotationRequest);
    }
    if (status.secretRotatedAt != null) {
      bookkeeping.put(ROTATED_AT, status.secretRotatedAt);
    }
    secrets.apply(app, current, OutputSecrets.desired(app, model.secretName(), data, model.secretTemplate(), bookkeeping),
        Set.copyOf(SECRET_KEYS), Set.copyOf(Credentials.BOOKKEEPING));
    context.getSecondaryResources(Secret.class).stream() // a renamed output Secret: the old one goes
        .filter(s -> !model.secretName().equals(s.getMetadata().getName()) && OutputSecrets.isOwnedBy(s, app))
        .forEach(secrets::delete);
    return nextLook(model, status, credential.nextChange(), now);
  }

  /** The Secret's standard keys when it holds exactly what Keymint wrote for this kind of application, and its annotations. */
  private static Credentials.SecretView view(Secret secret, ClientApplicationModel model) {
    if (secret == null) {
      return new Credentials.SecretView(Map.of(), Map.of());
    }
    Map<String, String> annotations = secret.getMetadata().getAnnotations() == null ? Map.of()
        : secret.getMetadata().getAnnotations();
    Map<String, String> data = OutputSecrets.decode(secret);
    boolean intact = OutputSecrets.isIntact(secret, SECRET_KEYS)
        && SECRET_KEYS.stream().filter(data::containsKey).collect(Collectors.toSet())
            .equals(Set.copyOf(model.secretKeys()));
    return new Credentials.SecretView(intact ? data : Map.of(), annotations);
  }

  /** A rotation asked for (a keymint.io/rotate-secret value not yet answered) or due (the rotation period). */
  private static Credentials.Rotation rotation(ClientApplicationModel model, ClientApplicationStatus status,
      Credentials.SecretView view, String rotationRequest, Instant now) {
    String answered = view.annotations().getOrDefault(Labels.ROTATION_ANSWERED, status.lastRotationRequest);
    boolean requested = rotationRequest != null && status.clientUuid != null && !rotationRequest.equals(answered);
    Instant rotatedAt = latest(Times.parse(view.annotation(ROTATED_AT)), Times.parse(status.secretRotatedAt));
    boolean due = model.hasCredential() && model.rotationPeriod() != null && rotatedAt != null
        && !now.isBefore(rotatedAt.plus(model.rotationPeriod()));
    Instant renewal = model.privateKeyJwt() || !model.hasCredential() ? null
        : SecretGrace.renewalAt(rotatedAt, Times.parse(view.annotation(Credentials.SECRET_EXPIRES_AT)));
    due = due || renewal != null && !now.isBefore(renewal); // before Keycloak's expiry
    return new Credentials.Rotation(requested && model.hasCredential(), due);
  }

  /**
   * The client that status names, verified in Keycloak when first needed (one read), else found and
   * synced anew; an unchanged application that needs no Keycloak call makes none.
   */
  private Supplier<OwnedClient> verifiedOnFirstUse(ClientApplicationModel model, ClientApplicationStatus status) {
    OwnedClient[] verified = new OwnedClient[1];
    return () -> {
      if (verified[0] == null) {
        verified[0] = keycloak.ownedClient(model.client(), status.clientUuid);
        status.clientUuid = verified[0].uuid();
      }
      return verified[0];
    };
  }

  /** A last sync in the future (status a tenant wrote) does not postpone the drift check. */
  private boolean driftCheckDue(ClientApplicationStatus status, Instant now) {
    return Times.due(Times.parse(status.lastSyncTime), config.resyncInterval(), now);
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || a.isAfter(b) ? a : b;
  }

  /** The next drift check, rotation or end of a grace period, whichever comes first. */
  private Duration nextLook(ClientApplicationModel model, ClientApplicationStatus status, Instant credentialChange,
      Instant now) {
    Instant next = Times.parse(status.lastSyncTime).plus(config.resyncInterval());
    if (credentialChange != null && credentialChange.isBefore(next)) {
      next = credentialChange;
    }
    Instant rotatedAt = Times.parse(status.secretRotatedAt);
    if (model.confidential() && model.rotationPeriod() != null && rotatedAt != null) {
      Instant rotation = rotatedAt.plus(model.rotationPeriod());
      next = rotation.isBefore(next) ? rotation : next;
    }
    Duration wait = Duration.between(now, next);
    return wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait;
  }

  @Override
  public DeleteControl cleanup(ClientApplication app, Context<ClientApplication> context) {
    return fairness.cleanup(app, () -> cleanupNow(app));
  }

  private DeleteControl cleanupNow(ClientApplication app) {
    ClientApplicationStatus status = app.getStatus();
    boolean retain = app.getSpec() != null && app.getSpec().deletionPolicy == ClientApplicationSpec.DeletionPolicy.Retain;
    // Delete the application's client wherever status says it was provisioned, else where it would have been;
    // the client's ownership mark decides, so a status naming someone else's client deletes nothing.
    String realm = status != null && status.realm != null ? status.realm : ClientApplicationModel.realmOf(app, config);
    String clientId = ClientApplicationModel.clientIdOf(app);
    if (retain || keycloak == null || realm == null) {
      return DeleteControl.defaultDelete();
    }
    OwnerMark owner = new OwnerMark(app.getMetadata().getUid(), ClientApplication.KIND,
        app.getMetadata().getNamespace(), app.getMetadata().getName());
    try {
      KeycloakGateway.Deletion result = keycloak.deleteClient(realm, clientId, owner);
      log.info("ClientApplication {}/{} deleted: Keycloak client {} {}", app.getMetadata().getNamespace(),
          app.getMetadata().getName(), clientId, result.name().toLowerCase().replace('_', ' '));
      return DeleteControl.defaultDelete();
    } catch (ReconcileException e) {
      int attempts = status == null || status.failedAttempts == null ? 1 : status.failedAttempts + 1;
      log.warn("ClientApplication {}/{}: cannot delete Keycloak client {} yet: {}", app.getMetadata().getNamespace(),
          app.getMetadata().getName(), clientId, e.getMessage());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Backoff.after(attempts).toMillis());
    }
  }

  private static String annotation(ClientApplication app, String name) {
    Map<String, String> annotations = app.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(name);
  }
}
