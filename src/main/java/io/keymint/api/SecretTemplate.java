package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/**
 * Extra metadata put on an output Secret, on top of Keymint's own labels, and extra keys rendered
 * from Mustache templates over the Secret's standard keys.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretTemplate {
  public Map<String, String> labels;
  public Map<String, String> annotations;
  /**
   * Extra Secret keys, each rendered from a Mustache template over the Secret's standard keys
   * (e.g. {@code authorization: "Bearer {{access_token}}"}); no HTML escaping. A template that
   * names a key the Secret does not have, does not parse, or replaces a standard key is InvalidSpec.
   */
  @JsonPropertyDescription("Extra Secret keys, each a Mustache template over the Secret's standard keys,"
      + " e.g. authorization: \"Bearer {{access_token}}\". No HTML escaping. A template naming a key the Secret"
      + " does not have, or replacing a standard key, is InvalidSpec.")
  public Map<String, String> data;
}
