package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** When a token is refreshed, relative to its expiry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RefreshPolicy {
  @JsonPropertyDescription("Refresh this long before expiry; wins over the percentage when shorter than the lifetime.")
  @Pattern(Durations.PATTERN)
  @Size(max = Bounds.DURATION_LENGTH)
  public String beforeExpiry;

  @JsonPropertyDescription("Refresh when this percentage of the lifetime is left; default 33.")
  @Min(1)
  @Max(90)
  public Integer beforeExpiryPercentage;
}
