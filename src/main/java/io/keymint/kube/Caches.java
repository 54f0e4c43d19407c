package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;

/** Reads from the informers a reconciler already has, instead of asking the API server again. */
public final class Caches {

  private Caches() {}

  /** The cached resource of that type, namespace and name, or null. */
  public static <R extends HasMetadata> R get(Context<?> context, Class<R> type, String namespace, String name) {
    return informer(context, type).get(new ResourceID(name, namespace)).orElse(null);
  }

  /** Every cached resource of that type in the namespace. */
  public static <R extends HasMetadata> List<R> list(Context<?> context, Class<R> type, String namespace) {
    return informer(context, type).list(namespace).toList();
  }

  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> InformerEventSource<R, ?> informer(Context<?> context, Class<R> type) {
    return (InformerEventSource<R, ?>) context.eventSourceRetriever().getEventSourceFor(type);
  }
}
