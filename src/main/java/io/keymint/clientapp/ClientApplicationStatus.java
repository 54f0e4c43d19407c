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
  @JsonPropertyDescription("When the credential (client secret or key pair) was last rotated.")
  public String secretRotatedAt;
  @JsonPropertyDescription("When Keycloak stops accepting the current client secret (a realm client-secret"
      + " rotation policy with an expiration period); Keymint rotates at two thirds of its lifetime.")
  public String secretExpiresAt;
  @JsonPropertyDescription("PrivateKeyJwt: the id (kid) of the key in the Secret, the one to sign with.")
  public String keyId;
  @JsonPropertyDescription("PrivateKeyJwt: the id of the previous key, still accepted until previousCredentialExpiresAt.")
  public String previousKeyId;
  @JsonPropertyDescription("When the credential replaced by the last rotation stops (or stopped) being accepted;"
      + " equal to secretRotatedAt when it ended at once.")
  public String previousCredentialExpiresAt;

  @JsonPropertyDescription("clientAuthentication ServiceAccount: the ServiceAccount of this namespace the client is"
      + " bound to (its tokens' sub is system:serviceaccount:<namespace>:<name>).")
  public String serviceAccountName;

  @JsonPropertyDescription("Hash of the desired Keycloak client last applied; unchanged spec, no admin call.")
  public String clientHash;
  @JsonPropertyDescription("Last time the client was read back from Keycloak and repaired if it drifted.")
  public String lastSyncTime;
  @JsonPropertyDescription("The keymint.io/rotate-secret value last acted on.")
  public String lastRotationRequest;
}
