package io.keymint.kube;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.keymint.api.RolloutTarget;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts the workloads that read a token from environment variables, the way
 * {@code kubectl rollout restart} does (a changed annotation on the pod template), gently: changes
 * from several resources within the interval are coalesced into one restart ({@link RolloutDecision}).
 * The state is kept on the workload itself and read from the API server, so every resource naming it
 * sees the same, and written only with the resourceVersion it was read at: a conflict means another
 * resource acted meanwhile, and the decision is made again on what it did.
 */
public final class RolloutRestart {

  private static final Logger log = LoggerFactory.getLogger(RolloutRestart.class);

  /** On a workload's pod template: when Keymint last restarted it. */
  public static final String ANNOTATION = "keymint.io/restartedAt";
  /**
   * On a workload's own metadata (not its pod template, which would roll it): since when a restart is
   * pending; removed by the restart.
   */
  public static final String PENDING_SINCE = "keymint.io/rollout-pending-since";
  /**
   * On a token Secret: when Keymint last replaced the token in it, written in the same write as the
   * token (a first token is no change: nothing had read the Secret before).
   */
  public static final String CHANGED_AT = "keymint.io/changed-at";
  /** Reads and decisions per workload when others keep writing it meanwhile. */
  static final int ATTEMPTS = 3;

  private RolloutRestart() {}

  /**
   * What became of a resource's rollout targets.
   *
   * @param notes     the targets that are missing or could not be written, for the condition message
   * @param heldUntil the earliest time a held-back restart falls due (or a failed one is tried again), or null
   */
  public record Result(List<String> notes, Instant heldUntil) {}

  /**
   * Decides, for each target in the owner's namespace, whether the owner's last change to its Secret
   * still needs a restart, and carries the verdict out.
   *
   * @param secretChangedAt when the owner last replaced its token (its Secret's {@link #CHANGED_AT}), or null
   */
  public static Result carryOut(KubernetesClient client, HasMetadata owner, List<RolloutTarget> targets,
      Instant secretChangedAt, Duration interval, Instant now) {
    List<String> notes = new ArrayList<>();
    Instant heldUntil = null;
    for (RolloutTarget target : targets == null ? List.<RolloutTarget>of() : targets) {
      Instant due;
      try {
        due = carryOut(client, owner, target, secretChangedAt, interval, now, notes);
      } catch (KubernetesClientException e) {
        notes.add(describe(target) + " could not be restarted (HTTP " + e.getCode() + "); trying again at "
            + Times.format(now.plus(interval)));
        due = now.plus(interval);
      }
      if (due != null && (heldUntil == null || due.isBefore(heldUntil))) {
        heldUntil = due;
      }
    }
    return new Result(notes, heldUntil);
  }

  /** One target: the time a held-back restart falls due, or null. */
  private static Instant carryOut(KubernetesClient client, HasMetadata owner, RolloutTarget target,
      Instant secretChangedAt, Duration interval, Instant now, List<String> notes) {
    Resource<? extends HasMetadata> resource = resource(client, owner.getMetadata().getNamespace(), target);
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      HasMetadata workload = resource.get(); // from the API server: a cache could hide another resource's window
      if (workload == null) {
        notes.add(describe(target) + " not found");
        return null;
      }
      Instant lastRestart = lastRestart(workload);
      Instant pendingSince = time(workload.getMetadata().getAnnotations(), PENDING_SINCE);
      RolloutDecision.Verdict verdict = RolloutDecision.decide(
          new RolloutDecision.Facts(now, interval, secretChangedAt, lastRestart, pendingSince));
      try {
        switch (verdict.action()) {
          case NOTHING -> {
            return null;
          }
          case HOLD -> {
            return verdict.due();
          }
          case OPEN_WINDOW -> {
            client.resource(workload).patch(PatchContext.of(PatchType.JSON_MERGE), openWindow(workload, verdict.pendingSince()));
            return verdict.due();
          }
          case RESTART -> {
            client.resource(workload).patch(PatchContext.of(PatchType.JSON_MERGE), restart(workload, now));
            log.info("{} {}/{} restarted for {} {} ({}; pending since {})", target.kind, workload.getMetadata().getNamespace(),
                target.name, owner.getKind(), owner.getMetadata().getName(), verdict.reason(),
                Times.format(pendingSince == null ? secretChangedAt : pendingSince));
            return null;
          }
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // another resource wrote the workload since it was read: decide again on what it did
      }
    }
    notes.add(describe(target) + " could not be restarted (it kept changing while Keymint wrote it); trying again at "
        + Times.format(now.plus(interval)));
    return now.plus(interval);
  }

  /** A merge patch recording the window, if the workload is still as read. */
  static String openWindow(HasMetadata workload, Instant pendingSince) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode metadata = patch.putObject("metadata");
    metadata.put("resourceVersion", workload.getMetadata().getResourceVersion());
    metadata.putObject("annotations").put(PENDING_SINCE, Times.format(pendingSince));
    return patch.toString();
  }

  /** A merge patch restarting the workload and closing its window, if the workload is still as read. */
  static String restart(HasMetadata workload, Instant now) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode metadata = patch.putObject("metadata");
    metadata.put("resourceVersion", workload.getMetadata().getResourceVersion());
    if (workload.getMetadata().getAnnotations() != null && workload.getMetadata().getAnnotations().containsKey(PENDING_SINCE)) {
      metadata.putObject("annotations").putNull(PENDING_SINCE);
    }
    patch.putObject("spec").putObject("template").putObject("metadata").putObject("annotations")
        .put(ANNOTATION, Times.format(now));
    return patch.toString();
  }

  /** A time Keymint recorded in an annotation; null when absent or not a time (edited by hand). */
  public static Instant time(Map<String, String> annotations, String name) {
    try {
      return annotations == null ? null : Times.parse(annotations.get(name));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The workload's last restart by Keymint (its pod template annotation), or null. */
  private static Instant lastRestart(HasMetadata workload) {
    PodTemplateSpec template = null;
    if (workload instanceof Deployment d && d.getSpec() != null) {
      template = d.getSpec().getTemplate();
    } else if (workload instanceof StatefulSet s && s.getSpec() != null) {
      template = s.getSpec().getTemplate();
    } else if (workload instanceof DaemonSet d && d.getSpec() != null) {
      template = d.getSpec().getTemplate();
    }
    return template == null || template.getMetadata() == null ? null : time(template.getMetadata().getAnnotations(), ANNOTATION);
  }

  private static String describe(RolloutTarget target) {
    return target.kind + " '" + target.name + "'";
  }

  private static Resource<? extends HasMetadata> resource(KubernetesClient client, String namespace, RolloutTarget target) {
    return switch (target.kind) {
      case Deployment -> client.apps().deployments().inNamespace(namespace).withName(target.name);
      case StatefulSet -> client.apps().statefulSets().inNamespace(namespace).withName(target.name);
      case DaemonSet -> client.apps().daemonSets().inNamespace(namespace).withName(target.name);
    };
  }
}
