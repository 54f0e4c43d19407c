package io.keymint.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.keymint.api.Labels;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a Keymint resource start a reconcile: what a user changed (the spec, which
 * bumps the generation; the {@code keymint.io/refresh} and {@code keymint.io/rotate-secret}
 * annotations; deletion and finalizers), not Keymint's own status writes. On a real API server a
 * status write comes back as a watch event after the reconcile that made it has ended; let
 * through, it would start the next reconcile at once, whatever backoff was scheduled.
 */
public final class UserChanges {

  private UserChanges() {}

  public static <R extends HasMetadata> OnUpdateFilter<R> filter() {
    return (updated, previous) -> isUserChange(updated, previous);
  }

  static boolean isUserChange(HasMetadata updated, HasMetadata previous) {
    var now = updated.getMetadata();
    var before = previous.getMetadata();
    return !Objects.equals(now.getGeneration(), before.getGeneration())
        || !Objects.equals(annotation(now.getAnnotations(), Labels.REFRESH), annotation(before.getAnnotations(), Labels.REFRESH))
        || !Objects.equals(annotation(now.getAnnotations(), Labels.ROTATE_SECRET),
            annotation(before.getAnnotations(), Labels.ROTATE_SECRET))
        || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp())
        || !Objects.equals(now.getFinalizers(), before.getFinalizers());
  }

  private static String annotation(Map<String, String> annotations, String name) {
    return annotations == null ? null : annotations.get(name);
  }
}
