package io.keymint.api;

import io.fabric8.generator.annotation.Required;

/** A workload in the same namespace restarted when its token changes (for consumers that read env vars). */
public class RolloutTarget {
  public enum Kind { Deployment, StatefulSet, DaemonSet }

  @Required
  public Kind kind;
  @Required
  public String name;
}
