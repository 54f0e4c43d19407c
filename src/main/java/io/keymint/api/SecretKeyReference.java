package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Required;

/** A key of a Secret in the referring resource's own namespace. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretKeyReference {
  @Required
  public String name;
  @Required
  public String key;

  public SecretKeyReference() {}

  public SecretKeyReference(String name, String key) {
    this.name = name;
    this.key = key;
  }
}
