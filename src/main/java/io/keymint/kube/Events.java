package io.keymint.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on Keymint's resources, deduplicated the way kubectl shows them: the same
 * reason and message on the same resource bump the count of one Event. Best effort: a failure
 * to record an Event never fails a reconcile. Messages are condition messages: never a secret.
 */
public final class Events {

  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private Events() {}

  public static void record(KubernetesClient client, HasMetadata resource, String type, String reason, String message,
      Instant now) {
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName() + "." + Hashes.of(resource.getMetadata().getUid(), type, reason, message)
        .substring(0, 16);
    String time = Times.format(now);
    try {
      var events = client.v1().events().inNamespace(namespace);
      Event existing = events.withName(name).get();
      if (existing != null) {
        int count = existing.getCount() == null ? 1 : existing.getCount();
        events.resource(existing).patch(PatchContext.of(PatchType.JSON_MERGE), // addressed by the one just read
            "{\"count\":" + (count + 1) + ",\"lastTimestamp\":\"" + time + "\"}");
        return;
      }
      events.resource(new EventBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(resource.getApiVersion())
              .withKind(resource.getKind()).withName(resource.getMetadata().getName()).withNamespace(namespace)
              .withUid(resource.getMetadata().getUid()).build())
          .withType(type).withReason(reason).withMessage(message).withCount(1)
          .withFirstTimestamp(time).withLastTimestamp(time)
          .withNewSource().withComponent("keymint").endSource()
          .withReportingComponent("keymint.io/operator").withReportingInstance("keymint")
          .build()).create();
    } catch (RuntimeException e) {
      log.debug("could not record event {} on {}/{}: {}", reason, namespace, resource.getMetadata().getName(),
          e.getClass().getSimpleName());
    }
  }
}
