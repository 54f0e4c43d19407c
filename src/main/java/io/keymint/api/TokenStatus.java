package io.keymint.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Status shared by AppToken and PlatformToken. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class TokenStatus extends KeymintStatus {
  public String expiresAt;
  public String refreshAt;
  public String lastRefreshTime;
  public String tokenType;
  /** As granted by the provider. */
  public String scope;
  /** The token's aud claim, when it is a JWT. */
  public List<String> audiences;
  public String secretName;
  /** Fingerprint of what the token was last minted from (resource versions, never a secret value). */
  public String sourceHash;
  /** The keymint.io/refresh value last acted on. */
  public String lastRefreshRequest;
  /**
   * While a restart of a workload in rolloutRestart is held back (KEYMINT_ROLLOUT_MIN_INTERVAL): when
   * it falls due. Absent when no restart is pending.
   */
  public String nextRolloutAllowedAt;
}
