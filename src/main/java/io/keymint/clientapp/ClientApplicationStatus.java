package io.keymint.clientapp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.keymint.api.KeymintStatus;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ClientApplicationStatus extends KeymintStatus {
  public String realm;
  public String clientId;
  @JsonPropertyDescription("Keycloak's internal id of the client.")
  public String clientUuid;
  public String issuerUrl;
  public String tokenUrl;
  public String secretName;
  public String secretRotatedAt;

  @JsonPropertyDescription("Hash of the desired Keycloak client last applied; unchanged spec, no admin call.")
  public String clientHash;
  @JsonPropertyDescription("Last time the client was read back from Keycloak and repaired if it drifted.")
  public String lastSyncTime;
  @JsonPropertyDescription("The keymint.io/rotate-secret value last acted on.")
  public String lastRotationRequest;
}
