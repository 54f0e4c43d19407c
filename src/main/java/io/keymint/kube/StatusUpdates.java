package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of every reconcile: conditions from the outcome, an Event and one log line when the state
 * changes, and one status write when anything changed.
 */
public final class StatusUpdates {

  private static final Logger log = LoggerFactory.getLogger(StatusUpdates.class);
  /** The reason of a failure Keymint did not foresee. */
  public static final String UNEXPECTED_ERROR = "UnexpectedError";
  /** How soon a status write the API server refused is tried again. */
  static final Duration STATUS_RETRY = Duration.ofSeconds(10);

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

  /** A failure as an outcome: retryable ones keep Reconciling with backoff, permanent ones stall. */
  public static ReconcileResult failure(KeymintStatus status, ReconcileException e, Instant now, Duration recheck) {
    Duration next = recordFailure(status, e, now, recheck);
    return new ReconcileResult(e.isRetryable() ? Outcome.progressing(e.reason(), e.getMessage() + "; retrying")
        : Outcome.stalled(e.reason(), e.getMessage()), next);
  }

  /**
   * Anything else that went wrong in a reconcile, as a condition with backoff: a request the API
   * server refused is {@code KubernetesApiError}; an unexpected exception names only its type (its
   * message could carry anything). The stack trace goes to the log at DEBUG.
   */
  public static ReconcileResult unexpected(HasMetadata resource, KeymintStatus status, RuntimeException e, Instant now) {
    log.debug("{} {}/{}: unexpected failure", resource.getKind(), resource.getMetadata().getNamespace(),
        resource.getMetadata().getName(), e);
    ReconcileException failure = e instanceof KubernetesClientException k
        ? KubeWrites.failure("a request", "an object for", resource.getKind() + " " + resource.getMetadata().getName(), k)
        : ReconcileException.retryable(UNEXPECTED_ERROR, "Keymint failed unexpectedly (" + e.getClass().getSimpleName()
            + "); retrying with backoff, details in the operator log at DEBUG");
    return failure(status, failure, now, Duration.ZERO);
  }

  /**
   * The end of every reconcile: the conditions from the outcome (left as they are when it is null,
   * as while backing off), and one status write when anything changed: a merge patch that a stale
   * cache cannot get refused, whose answer the next reconcile starts from.
   */
  public static <R extends CustomResource<?, ? extends KeymintStatus>> UpdateControl<R> finish(Context<R> context,
      R resource, KeymintStatus status, String before, ReconcileResult result, Instant now) {
    long generation = resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
    Duration next = result.next();
    if (result.outcome() != null) {
      Condition readyBefore = status.condition(Condition.READY);
      Condition stalledBefore = status.condition(Condition.STALLED);
      Condition reconcilingBefore = status.condition(Condition.RECONCILING);
      status.conditions = Conditions.apply(status.conditions, result.outcome(), generation, now);
      recordTransition(context.getClient(), resource, readyBefore, stalledBefore, reconcilingBefore, result.outcome(), now);
      status.observedGeneration = generation;
    }
    if (!snapshot(status).equals(before)) {
      try {
        StatusPatch.write(context, resource, before);
      } catch (ReconcileException e) { // nowhere to record it but the log; tried again soon
        log.warn("{} {}/{}: {}: {}", resource.getKind(), resource.getMetadata().getNamespace(),
            resource.getMetadata().getName(), e.reason(), e.getMessage());
        next = STATUS_RETRY.compareTo(next) < 0 ? STATUS_RETRY : next;
      }
    }
    return UpdateControl.<R>noUpdate().rescheduleAfter(next);
  }

  /**
   * An Event and a log line when the state changes, not on every reconcile: Ready regained after a
   * failure (a first Ready is no news), stalled for a new reason, a retry beginning.
   */
  private static void recordTransition(KubernetesClient client, HasMetadata resource, Condition ready, Condition stalled,
      Condition reconciling, Outcome outcome, Instant now) {
    boolean wasReady = ready != null && "True".equals(ready.status);
    switch (outcome.state()) {
      case READY -> {
        if (ready != null && (!wasReady || !outcome.reason().equals(ready.reason))) {
          Events.record(client, resource, Events.NORMAL, outcome.reason(), outcome.message(), now);
        }
      }
      case STALLED -> {
        if (stalled == null || !"True".equals(stalled.status) || !outcome.reason().equals(stalled.reason)) {
          logFailure(resource, outcome);
          Events.record(client, resource, Events.WARNING, outcome.reason(), outcome.message(), now);
        }
      }
      case PROGRESSING, READY_RETRYING -> {
        if (reconciling == null || !"True".equals(reconciling.status) || !outcome.reason().equals(reconciling.reason)) {
          logFailure(resource, outcome);
          Events.record(client, resource, Events.WARNING, outcome.reason(), outcome.message(), now);
        }
      }
    }
  }

  /** One line when a resource starts failing for a reason, not one per retry (messages are safe by construction). */
  private static void logFailure(HasMetadata resource, Outcome outcome) {
    log.warn("{} {}/{}: {}: {}", resource.getKind(), resource.getMetadata().getNamespace(),
        resource.getMetadata().getName(), outcome.reason(), outcome.message());
  }
}
