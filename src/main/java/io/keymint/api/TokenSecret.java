package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** The output Secret of a token resource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class TokenSecret {
  @JsonPropertyDescription("Name of the token Secret; default \"<name>-token\".")
  @Pattern(Bounds.NAME_PATTERN)
  @Size(max = Bounds.NAME_LENGTH)
  public String name;
  public SecretTemplate template;
}
