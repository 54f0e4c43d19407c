package io.keymint.platformtoken;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.keymint.api.TokenStatus;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PlatformTokenStatus extends TokenStatus {
  /** When the identity provider says the refresh token expires. */
  public String refreshTokenExpiresAt;
  /** Last time the provider rotated the refresh token and Keymint kept the new one. */
  public String credentialRotatedAt;
}
