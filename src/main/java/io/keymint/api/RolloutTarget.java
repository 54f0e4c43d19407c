package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A workload in the same namespace restarted when its token changes (for consumers that read env vars). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class RolloutTarget {
  public enum Kind { Deployment, StatefulSet, DaemonSet }

  @Required
  public Kind kind;
  @Required
  @Pattern(Bounds.NAME_PATTERN)
  @Size(max = Bounds.NAME_LENGTH)
  public String name;
}
