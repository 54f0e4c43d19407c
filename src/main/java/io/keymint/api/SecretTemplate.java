package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** Extra metadata put on an output Secret, on top of Keymint's own labels. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretTemplate {
  public Map<String, String> labels;
  public Map<String, String> annotations;
}
