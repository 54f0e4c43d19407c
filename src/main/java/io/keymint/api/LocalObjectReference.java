package io.keymint.api;

import io.fabric8.generator.annotation.Required;

/** A reference to an object in the referring resource's own namespace (there is no namespace field, by design). */
public class LocalObjectReference {
  @Required
  public String name;

  public LocalObjectReference() {}

  public LocalObjectReference(String name) {
    this.name = name;
  }
}
