package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Set;

/** A reference to an object in the referring resource's own namespace (there is no namespace field, by design). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class LocalObjectReference {
  @Required
  @Pattern(Bounds.NAME_PATTERN)
  @Size(max = Bounds.NAME_LENGTH)
  public String name;

  public LocalObjectReference() {}

  public LocalObjectReference(String name) {
    this.name = name;
  }

  /** The name the reference holds, as a set: empty when there is no reference or no name. */
  public static Set<String> nameOf(LocalObjectReference reference) {
    return reference == null || reference.name == null ? Set.of() : Set.of(reference.name);
  }
}
