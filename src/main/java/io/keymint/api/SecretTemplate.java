package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/**
 * Extra metadata put on an output Secret, on top of Keymint's own labels, and extra keys rendered
 * from Mustache templates over the Secret's standard keys.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SecretTemplate {
  @Size(max = Bounds.METADATA_ENTRIES)
  @ValidationRule(value = "self.all(k, size(k) <= " + Bounds.LABEL_KEY_LENGTH + ")",
      message = "a label key is at most " + Bounds.LABEL_KEY_LENGTH + " characters")
  public Map<String, @Size(max = Bounds.LABEL_VALUE_LENGTH) String> labels;

  @Size(max = Bounds.METADATA_ENTRIES)
  @ValidationRule(value = "self.all(k, size(k) <= " + Bounds.LABEL_KEY_LENGTH + ")",
      message = "an annotation key is at most " + Bounds.LABEL_KEY_LENGTH + " characters")
  public Map<String, @Size(max = Bounds.ANNOTATION_VALUE_LENGTH) String> annotations;

  /**
   * Extra Secret keys, each rendered from a Mustache template over the Secret's standard keys
   * (e.g. {@code authorization: "Bearer {{access_token}}"}); no HTML escaping. A template that
   * names a key the Secret does not have, does not parse, or replaces a standard key is InvalidSpec.
   */
  @JsonPropertyDescription("Extra Secret keys, each a Mustache template over the Secret's standard keys,"
      + " e.g. authorization: \"Bearer {{access_token}}\". No HTML escaping. A template naming a key the Secret"
      + " does not have, or replacing a standard key, is InvalidSpec; so is one that would render more than "
      + Bounds.RENDERED_BYTES / 1024 + " KiB.")
  @Size(max = Bounds.TEMPLATES)
  @ValidationRule(value = "self.all(k, size(k) <= " + Bounds.SECRET_KEY_LENGTH + " && k.matches('"
      + Bounds.SECRET_KEY_PATTERN + "'))",
      message = "a key of secret.template.data is a Secret key: letters, digits, '-', '_' and '.', at most "
          + Bounds.SECRET_KEY_LENGTH)
  public Map<String, @Size(max = Bounds.TEMPLATE_LENGTH) String> data;
}
