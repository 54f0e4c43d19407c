package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A resource's own finalizer, for reconcilers that keep one only on the resources that leave
 * something to clean up (JOSDK puts its finalizer on every resource of a reconciler that cleans up,
 * at the cost of a write and a reconcile per new resource). The list is written whole, as a merge
 * patch with the resourceVersion it was read at: a list someone changed meanwhile is read again and
 * the change made to it, so no one else's finalizer is lost. The answer goes into JOSDK's primary
 * cache and onto {@code resource}, so the rest of the reconcile works on what the API server holds.
 */
public final class Finalizers {

  private Finalizers() {}

  /** Adds {@code finalizer} unless the resource has it. */
  public static <R extends CustomResource<?, ?>> void add(Context<R> context, R resource, String finalizer) {
    if (!resource.hasFinalizer(finalizer)) {
      write(context, resource, finalizers -> {
        List<String> with = new ArrayList<>(finalizers);
        with.add(finalizer);
        return with;
      }, finalizer);
    }
  }

  /** Removes {@code finalizer} if the resource has it. */
  public static <R extends CustomResource<?, ?>> void remove(Context<R> context, R resource, String finalizer) {
    if (resource.hasFinalizer(finalizer)) {
      write(context, resource, finalizers -> finalizers.stream().filter(f -> !f.equals(finalizer)).toList(), finalizer);
    }
  }

  private static <R extends CustomResource<?, ?>> void write(Context<R> context, R resource,
      UnaryOperator<List<String>> change, String finalizer) {
    R current = resource;
    for (int attempt = 0; ; attempt++) {
      List<String> before = current.getMetadata().getFinalizers() == null ? List.of() : current.getMetadata().getFinalizers();
      List<String> after = change.apply(before);
      if (after.equals(before)) {
        return;
      }
      Map<String, Object> body = Map.of("metadata", Map.of("finalizers", after,
          "resourceVersion", current.getMetadata().getResourceVersion()));
      try {
        R updated = context.getClient().resources(resourceClass(resource))
            .inNamespace(resource.getMetadata().getNamespace())
            .resource(KubeWrites.addressOf(resource))
            .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(body));
        if (updated == null) {
          return; // the last finalizer of a resource being deleted: the API server deleted it with this write
        }
        context.eventSourceRetriever().getControllerEventSource()
            .handleRecentResourceUpdate(ResourceID.fromResource(resource), updated, resource);
        resource.getMetadata().setFinalizers(updated.getMetadata().getFinalizers());
        resource.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return; // gone: nothing to hold back any more
        }
        if (e.getCode() != 409 || attempt > 0) {
          throw KubeWrites.failure("patch", resource.getKind() + " finalizer " + finalizer + " of",
              resource.getMetadata().getName(), e);
        }
        current = context.getClient().resources(resourceClass(resource)).inNamespace(resource.getMetadata().getNamespace())
            .withName(resource.getMetadata().getName()).get(); // someone wrote it meanwhile: once more, on what it is now
        if (current == null) {
          return;
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> Class<R> resourceClass(R resource) {
    return (Class<R>) resource.getClass();
  }
}
