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
import io.keymint.keycloak.OwnerMark;
import io.keymint.keycloak.RolePolicy;
import io.keymint.kube.Backoff;
import io.keymint.kube.Events;
import io.keymint.kube.Outcome;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.ReconcileResult;
import io.keymint.kube.SecretInformers;
import io.keymint.kube.StatusUpdates;
import io.keymint.kube.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  static final List<String> SECRET_KEYS = ClientApplicationModel.SECRET_KEYS;
  /** On the output Secret: when its client secret was last regenerated. */
  static final String ROTATED_AT = "keymint.io/rotated-at";

  private final OperatorConfig config;
  private final KeycloakGateway keycloak;
  private final RolePolicy rolePolicy;
  private final Clock clock;

  public ClientApplicationReconciler(OperatorConfig config, KeycloakGateway keycloak, Clock clock) {
    this.config = config;
    this.keycloak = keycloak;
    this.rolePolicy = new RolePolicy(config.grantableRoles());
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, ClientApplication>> prepareEventSources(EventSourceContext<ClientApplication> context) {
    return List.of(SecretInformers.own(context, OutputSecrets.selectorFor(ClientApplication.KIND), app -> Set.of()));
  }

  @Override
  public UpdateControl<ClientApplication> reconcile(ClientApplication app, Context<ClientApplication> context) {
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
      ClientApplicationModel model = ClientApplicationModel.from(app, config, rolePolicy);
      requireSameClient(status, model);
      next = provision(app, model, context, now);
      status.secretName = model.secretName();
      status.issuerUrl = keycloak.issuerUrl(model.realm());
      status.tokenUrl = keycloak.tokenUrl(model.realm());
      status.failedAttempts = null;
      status.lastFailureTime = null;
      outcome = Outcome.ready(Reasons.PROVISIONED, "client '" + model.clientId() + "' is provisioned in realm '"
          + model.realm() + "'; its credentials are in Secret '" + model.secretName() + "'");
    } catch (ReconcileException e) {
      if (Reasons.CLIENT_OWNED_ELSEWHERE.equals(e.reason())) { // someone else's client is never named in our status
        status.clientId = null;
        status.clientUuid = null;
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

  /**
   * After a transient failure: the earliest next attempt (the backoff without its jitter), unless
   * the spec or the rotation annotation changed since; else null.
   */
  private static Instant retryAt(ClientApplication app, ClientApplicationStatus status) {
    Instant failed = Times.parse(status.lastFailureTime);
    long generation = app.getMetadata().getGeneration() == null ? 0 : app.getMetadata().getGeneration();
    boolean unchanged = status.observedGeneration != null && status.observedGeneration == generation
        && java.util.Objects.equals(annotation(app, Labels.ROTATE_SECRET), status.lastRotationRequest);
    return status.failedAttempts == null || status.failedAttempts < 1 || failed == null || !unchanged ? null
        : failed.plus(Backoff.base(status.failedAttempts));
  }

  /**
   * spec.realm and spec.clientId are fixed once a client was provisioned, also when spec was omitted
   * at creation (the CRD's rule says so too; an API server without it, or a CRD from before it,
   * must not let a rename through).
   */
  private static void requireSameClient(ClientApplicationStatus status, ClientApplicationModel model) {
    if (status.clientUuid == null) {
      return;
    }
    if (status.realm != null && !status.realm.equals(model.realm())) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "spec.realm cannot change after creation: this"
          + " ClientApplication's client is in realm '" + status.realm + "' (delete and recreate it to move it)");
    }
    if (status.clientId != null && !status.clientId.equals(model.clientId())) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "spec.clientId cannot change after creation: this"
          + " ClientApplication provisioned client '" + status.clientId + "' (delete and recreate it to rename it)");
    }
  }

  /** Brings Keycloak and the output Secret in line; returns when to look again. */
  private Duration provision(ClientApplication app, ClientApplicationModel model, Context<ClientApplication> context,
      Instant now) {
    ClientApplicationStatus status = app.getStatus();
    OutputSecrets secrets = OutputSecrets.of(context);
    Secret cached = context.getSecondaryResources(Secret.class).stream()
        .filter(s -> model.secretName().equals(s.getMetadata().getName())).findFirst().orElse(null);
    Secret current = secrets.requireWritable(app, model.secretName(), cached);

    boolean clientCurrent = status.clientUuid != null && model.client().hash().equals(status.clientHash)
        && !driftCheckDue(status, now);
    // Which rotation was answered, and when the secret was rotated, are recorded on the Secret next to
    // the secret itself: a reconcile that starts from a stale status must not rotate twice.
    Map<String, String> recorded = current == null || current.getMetadata().getAnnotations() == null ? Map.of()
        : current.getMetadata().getAnnotations();
    String rotationRequest = annotation(app, Labels.ROTATE_SECRET);
    String answered = recorded.getOrDefault(Labels.ROTATION_ANSWERED, status.lastRotationRequest);
    boolean rotationRequested = rotationRequest != null && status.clientUuid != null && !rotationRequest.equals(answered);
    Instant rotatedAt = latest(Times.parse(recorded.get(ROTATED_AT)), Times.parse(status.secretRotatedAt));
    boolean rotationDue = model.confidential() && model.rotationPeriod() != null && rotatedAt != null
        && !now.isBefore(rotatedAt.plus(model.rotationPeriod()));
    boolean secretIntact = current != null && OutputSecrets.isIntact(current, SECRET_KEYS)
        && OutputSecrets.decode(current).containsKey("client_secret") == model.confidential();

    if (!clientCurrent) {
      status.clientUuid = keycloak.ensureClient(model.client()); // verifies our ownership mark
      status.clientHash = model.client().hash();
      status.lastSyncTime = Times.format(now);
    }
    status.realm = model.realm(); // named only once Keycloak showed our mark on the client
    status.clientId = model.clientId();
    String clientSecret = null;
    if (model.confidential()) {
      if (rotationRequested || rotationDue) {
        clientSecret = keycloak.regenerateSecret(model.realm(), status.clientUuid);
        status.secretRotatedAt = Times.format(now);
        log.info("Rotated the client secret of {} ({})", model.clientId(), rotationRequested ? "requested" : "period");
        Events.record(context.getClient(), app, Events.NORMAL, "SecretRotated", "the client secret of '"
            + model.clientId() + "' was regenerated (" + (rotationRequested ? "keymint.io/rotate-secret" : "rotation period")
            + "); the old one no longer works", now);
      } else if (secretIntact && clientCurrent) {
        clientSecret = OutputSecrets.decode(current).get("client_secret");
      } else {
        clientSecret = keycloak.readSecret(model.realm(), status.clientUuid);
      }
      if (!(rotationRequested || rotationDue)) {
        status.secretRotatedAt = Times.format(rotatedAt == null ? now : rotatedAt);
      }
    } else {
      status.secretRotatedAt = null;
    }
    status.lastRotationRequest = rotationRequest;

    Map<String, String> data = new LinkedHashMap<>();
    data.put("client_id", model.clientId());
    if (clientSecret != null) {
      data.put("client_secret", clientSecret);
    }
    data.put("issuer_url", keycloak.issuerUrl(model.realm()));
    data.put("token_url", keycloak.tokenUrl(model.realm()));
    data.put("realm", model.realm());
    Map<String, String> bookkeeping = new LinkedHashMap<>();
    if (rotationRequest != null) {
      bookkeeping.put(Labels.ROTATION_ANSWERED, rotationRequest);
    }
    if (status.secretRotatedAt != null) {
      bookkeeping.put(ROTATED_AT, status.secretRotatedAt);
    }
    secrets.apply(app, current, OutputSecrets.desired(app, model.secretName(), data, model.secretTemplate(), bookkeeping));
    context.getSecondaryResources(Secret.class).stream() // a renamed output Secret: the old one goes
        .filter(s -> !model.secretName().equals(s.getMetadata().getName()) && OutputSecrets.isOwnedBy(s, app))
        .forEach(secrets::delete);
    return nextLook(model, status, now);
  }

  private boolean driftCheckDue(ClientApplicationStatus status, Instant now) {
    Instant last = Times.parse(status.lastSyncTime);
    return last == null || !now.isBefore(last.plus(config.resyncInterval()));
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || a.isAfter(b) ? a : b;
  }

  /** The next drift check or rotation, whichever comes first. */
  private Duration nextLook(ClientApplicationModel model, ClientApplicationStatus status, Instant now) {
    Instant next = Times.parse(status.lastSyncTime).plus(config.resyncInterval());
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
    ClientApplicationStatus status = app.getStatus();
    boolean retain = app.getSpec() != null && app.getSpec().deletionPolicy == ClientApplicationSpec.DeletionPolicy.Retain;
    // Delete what was provisioned (status), else what would have been; a client never created needs nothing.
    String realm = status != null && status.realm != null ? status.realm : ClientApplicationModel.realmOf(app, config);
    String clientId = status != null && status.clientId != null ? status.clientId : ClientApplicationModel.clientIdOf(app);
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
