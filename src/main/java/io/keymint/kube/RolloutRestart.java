package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.keymint.api.RolloutTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Restarts the workloads that read a token from environment variables, the way
 * {@code kubectl rollout restart} does: a changed annotation on the pod template.
 */
public final class RolloutRestart {

  public static final String ANNOTATION = "keymint.io/restartedAt";

  private RolloutRestart() {}

  /** The targets that do not exist, as notes for the condition message (no write). */
  public static List<String> missing(KubernetesClient client, HasMetadata owner, List<RolloutTarget> targets) {
    List<String> missing = new ArrayList<>();
    if (targets != null) {
      for (RolloutTarget target : targets) {
        if (resource(client, owner.getMetadata().getNamespace(), target).get() == null) {
          missing.add(target.kind + " '" + target.name + "' not found");
        }
      }
    }
    return missing;
  }

  /** Restarts each target in the owner's namespace; returns a note on the ones that could not be restarted. */
  public static List<String> restart(KubernetesClient client, HasMetadata owner, List<RolloutTarget> targets, Instant now) {
    List<String> missing = new ArrayList<>();
    if (targets == null) {
      return missing;
    }
    String namespace = owner.getMetadata().getNamespace();
    String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + Times.format(now) + "\"}}}}}";
    for (RolloutTarget target : targets) {
      var resource = resource(client, namespace, target);
      try {
        if (resource.get() == null) {
          missing.add(target.kind + " '" + target.name + "' not found");
        } else {
          resource.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        }
      } catch (RuntimeException e) {
        missing.add(target.kind + " '" + target.name + "' could not be restarted (" + e.getClass().getSimpleName() + ")");
      }
    }
    return missing;
  }

  private static Resource<? extends HasMetadata> resource(KubernetesClient client, String namespace, RolloutTarget target) {
    return switch (target.kind) {
      case Deployment -> client.apps().deployments().inNamespace(namespace).withName(target.name);
      case StatefulSet -> client.apps().statefulSets().inNamespace(namespace).withName(target.name);
      case DaemonSet -> client.apps().daemonSets().inNamespace(namespace).withName(target.name);
    };
  }
}
