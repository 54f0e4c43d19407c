package io.keymint.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Iterator;

/**
 * The one status write of a reconcile: a JSON merge patch of the whole status (fields that went
 * away are sent as null, lists are replaced), without a resourceVersion. It cannot be refused for
 * a cache that is behind, as a JSON Patch diff computed against the cached object can (a real API
 * server answers such a diff with 422). The answer goes into JOSDK's primary cache at once, so the
 * next reconcile starts from this status even before the watch event arrives.
 */
public final class StatusPatch {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusPatch() {}

  /**
   * Writes {@code status} over the status recorded in {@code before} (its JSON snapshot).
   *
   * @throws ReconcileException KubernetesApiError when the API server refuses the write
   */
  public static <R extends CustomResource<?, ?>> void write(Context<R> context, R resource, String before) {
    String kind = resource.getKind();
    String name = resource.getMetadata().getName();
    R updated;
    try {
      updated = context.getClient().resources(resourceClass(resource))
          .inNamespace(resource.getMetadata().getNamespace())
          .resource(KubeWrites.addressOf(resource))
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), body(before, resource.getStatus()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return; // deleted meanwhile: nothing left to tell
      }
      throw KubeWrites.failure("patch", kind + " status", name, e);
    }
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(resource), updated, resource);
  }

  /** {@code {"status": ...}} with every field of {@code before} that {@code status} no longer has set to null. */
  static String body(String before, Object status) {
    ObjectNode after = JSON.valueToTree(status);
    try {
      JsonNode previous = before == null ? null : JSON.readTree(before);
      if (previous != null && previous.isObject()) {
        for (Iterator<String> fields = previous.fieldNames(); fields.hasNext(); ) {
          String field = fields.next();
          if (!after.has(field)) {
            after.putNull(field);
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("status snapshot is not JSON", e);
    }
    ObjectNode body = JSON.createObjectNode();
    body.set("status", after);
    return body.toString();
  }

  @SuppressWarnings("unchecked")
  private static <R> Class<R> resourceClass(R resource) {
    return (Class<R>) resource.getClass();
  }
}
