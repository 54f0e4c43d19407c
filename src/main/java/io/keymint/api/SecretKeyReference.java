package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a Secret in the referring resource's own namespace. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretKeyReference {
  @Required
  @Pattern(Bounds.NAME_PATTERN)
  @Size(max = Bounds.NAME_LENGTH)
  public String name;
  @Required
  @Pattern(Bounds.SECRET_KEY_PATTERN)
  @Size(max = Bounds.SECRET_KEY_LENGTH)
  public String key;

  public SecretKeyReference() {}

  public SecretKeyReference(String name, String key) {
    this.name = name;
    this.key = key;
  }
}
