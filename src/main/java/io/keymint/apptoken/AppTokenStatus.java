package io.keymint.apptoken;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.keymint.api.TokenStatus;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AppTokenStatus extends TokenStatus {
  /** Audience mode: the dedicated client. */
  public String clientId;
  /** Audience mode: the applications whose roles were granted. */
  public List<String> matchedApplications;
  /** Audience mode: Keycloak's id of the dedicated client. */
  public String clientUuid;
  /** Audience mode: hash of the dedicated client last applied. */
  public String clientHash;
  /** Audience mode: last time the dedicated client was read back from Keycloak. */
  public String lastSyncTime;
  /** Audience mode: the keymint.io/rotate-secret value last acted on. */
  public String lastRotationRequest;
}
