package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Required;

/** A reference to an object in the referring resource's own namespace (there is no namespace field, by design). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class LocalObjectReference {
  @Required
  public String name;

  public LocalObjectReference() {}

  public LocalObjectReference(String name) {
    this.name = name;
  }
}
