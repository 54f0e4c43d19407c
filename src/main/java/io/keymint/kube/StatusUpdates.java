package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The end of every reconcile: conditions from the outcome, and a status patch only when something changed. */
public final class StatusUpdates {

  private static final Logger log = LoggerFactory.getLogger(StatusUpdates.class);

  private StatusUpdates() {}

  /** A copy of the status to compare against at the end. */
  public static String snapshot(KeymintStatus status) {
    return Serialization.asJson(status);
  }

  /**
   * Records a failure: a retryable one counts towards the backoff and is retried after it; a
   * permanent one is looked at again after {@code recheck} (cheap: the spec is checked first).
   */
  public static Duration recordFailure(KeymintStatus status, ReconcileException e, Instant now, Duration recheck) {
    if (e.isRetryable()) {
      status.failedAttempts = status.failedAttempts == null ? 1 : status.failedAttempts + 1;
      status.lastFailureTime = Times.format(now);
      Duration backoff = Backoff.after(status.failedAttempts);
      return e.retryAfter() != null && e.retryAfter().compareTo(backoff) > 0 ? e.retryAfter() : backoff;
    }
    status.failedAttempts = null;
    if (status.lastFailureTime == null) {
      status.lastFailureTime = Times.format(now);
    }
    return recheck;
  }

  /**
   * A failure as an outcome: retryable ones keep Reconciling with backoff, permanent ones stall.
   * Logged with the resource's namespace and name (the message is safe to log by construction).
   */
  public static ReconcileResult failure(HasMetadata resource, KeymintStatus status, ReconcileException e, Instant now,
      Duration recheck) {
    Duration next = recordFailure(status, e, now, recheck);
    log.info("{} {}/{}: {}: {}", resource.getKind(), resource.getMetadata().getNamespace(),
        resource.getMetadata().getName(), e.reason(), e.getMessage());
    return new ReconcileResult(e.isRetryable() ? Outcome.progressing(e.reason(), e.getMessage() + "; retrying")
        : Outcome.stalled(e.reason(), e.getMessage()), next);
  }

  public static <R extends HasMetadata> UpdateControl<R> finish(R resource, KeymintStatus status, String before,
      Outcome outcome, Instant now, Duration next, KubernetesClient client) {
    long generation = resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
    Condition readyBefore = status.condition(Condition.READY);
    Condition stalledBefore = status.condition(Condition.STALLED);
    Condition reconcilingBefore = status.condition(Condition.RECONCILING);
    status.conditions = Conditions.apply(status.conditions, outcome, generation, now);
    recordTransition(client, resource, readyBefore, stalledBefore, reconcilingBefore, outcome, now);
    status.observedGeneration = generation;
    UpdateControl<R> control = snapshot(status).equals(before) ? UpdateControl.noUpdate() : UpdateControl.patchStatus(resource);
    return control.rescheduleAfter(next);
  }

  /**
   * An Event when the state changes, not on every reconcile: Ready gained (after a failure too),
   * stalled for a new reason, or a retry beginning.
   */
  private static void recordTransition(KubernetesClient client, HasMetadata resource, Condition ready, Condition stalled,
      Condition reconciling, Outcome outcome, Instant now) {
    boolean wasReady = ready != null && "True".equals(ready.status);
    switch (outcome.state()) {
      case READY -> {
        if (!wasReady || !outcome.reason().equals(ready.reason)) {
          Events.record(client, resource, Events.NORMAL, outcome.reason(), outcome.message(), now);
        }
      }
      case STALLED -> {
        if (stalled == null || !"True".equals(stalled.status) || !outcome.reason().equals(stalled.reason)) {
          Events.record(client, resource, Events.WARNING, outcome.reason(), outcome.message(), now);
        }
      }
      case PROGRESSING, READY_RETRYING -> {
        if (reconciling == null || !"True".equals(reconciling.status) || !outcome.reason().equals(reconciling.reason)) {
          Events.record(client, resource, Events.WARNING, outcome.reason(), outcome.message(), now);
        }
      }
    }
  }
}
