package io.keymint.clientapp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.keymint.api.Bounds;
import io.keymint.api.Durations;
import io.keymint.api.SecretTemplate;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.type) && self.type == 'Public' && has(self.serviceAccount))",
    message = "serviceAccount needs a Confidential client")
@ValidationRule(value = "!(has(self.type) && self.type == 'Public' && has(self.secret) && has(self.secret.rotation))",
    message = "secret.rotation needs a Confidential client")
@ValidationRule(value = "!(has(self.type) && self.type == 'Public' && has(self.clientAuthentication)"
    + " && self.clientAuthentication == 'PrivateKeyJwt')",
    message = "PrivateKeyJwt needs a Confidential client")
@ValidationRule(value = "!has(self.keyAlgorithm) || (has(self.clientAuthentication) && self.clientAuthentication == 'PrivateKeyJwt')",
    message = "keyAlgorithm needs clientAuthentication: PrivateKeyJwt")
@ValidationRule(value = "!(has(self.type) && self.type == 'Public' && has(self.clientAuthentication)"
    + " && self.clientAuthentication == 'ServiceAccount')",
    message = "ServiceAccount needs a Confidential client")
@ValidationRule(value = "has(self.serviceAccountName) == (has(self.clientAuthentication)"
    + " && self.clientAuthentication == 'ServiceAccount')",
    message = "serviceAccountName goes with clientAuthentication: ServiceAccount, and it needs one")
@ValidationRule(value = "!(has(self.clientAuthentication) && self.clientAuthentication == 'ServiceAccount'"
    + " && has(self.secret) && has(self.secret.rotation))",
    message = "secret.rotation: a ServiceAccount application has no credential to rotate")
@JsonIgnoreProperties(ignoreUnknown = true)
public class ClientApplicationSpec {

  public enum Type { Confidential, Public }

  public enum DeletionPolicy { Delete, Retain }

  /**
   * How the client authenticates at the token endpoint: its client secret, an assertion signed with a
   * key pair Keymint generates, or its workload's ServiceAccount token (no credential at all).
   */
  public enum ClientAuthentication { ClientSecret, PrivateKeyJwt, ServiceAccount }

  /** The signing algorithm of a PrivateKeyJwt application's key pair. */
  public enum KeyAlgorithm { ES256, RS256 }

  @JsonPropertyDescription("Keycloak realm; default: the operator's KEYMINT_KEYCLOAK_REALM. Immutable.")
  @Size(min = 1, max = Bounds.IDENTIFIER_LENGTH)
  public String realm;

  @JsonPropertyDescription("Client ID in Keycloak; default \"<namespace>-<name>\". Immutable.")
  @Size(min = 1, max = Bounds.IDENTIFIER_LENGTH)
  @Pattern("^[A-Za-z0-9._:/-]+$")
  public String clientId;

  @JsonPropertyDescription("The client's description in Keycloak (at most 255 characters, Keycloak's column).")
  @Size(max = 255)
  public String description;

  @JsonPropertyDescription("Confidential (default) or Public.")
  public Type type;

  @JsonPropertyDescription("Confidential only. ClientSecret (default): a shared client secret. PrivateKeyJwt:"
      + " Keymint generates a key pair, registers the public key with the client and writes the private key into"
      + " the Secret (RFC 7523 client assertions); no client secret is usable. ServiceAccount: the workload"
      + " authenticates with a projected token of serviceAccountName (Keycloak 26.6+, federated-jwt); no credential"
      + " exists anywhere.")
  public ClientAuthentication clientAuthentication;

  @JsonPropertyDescription("clientAuthentication ServiceAccount only: the ServiceAccount of this resource's own"
      + " namespace whose tokens authenticate the client. Not 'default' (unless the operator allows it).")
  @Size(min = 1, max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  public String serviceAccountName;

  @JsonPropertyDescription("PrivateKeyJwt only: ES256 (default, EC P-256) or RS256 (RSA 2048).")
  public KeyAlgorithm keyAlgorithm;

  @JsonPropertyDescription("Confidential only: the service account's roles (client_credentials grant).")
  public ServiceAccount serviceAccount;

  @JsonPropertyDescription("Client roles this application defines; AppTokens in audience mode can be granted them.")
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Pattern("^[A-Za-z0-9._:-]+$") @Size(max = Bounds.IDENTIFIER_LENGTH) String> roles;

  public Flows flows;
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.URL_LENGTH) String> redirectUris;
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.URL_LENGTH) String> webOrigins;
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> defaultClientScopes;
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> optionalClientScopes;

  @JsonPropertyDescription("Access-token lifespan of this client in Keycloak, e.g. 5m; from 10s to 24h.")
  @Pattern(Durations.PATTERN)
  @Size(max = Bounds.DURATION_LENGTH)
  @ValidationRule(value = "duration(self) >= duration('10s') && duration(self) <= duration('24h')",
      message = "accessTokenLifespan is from 10s to 24h")
  public String accessTokenLifespan;

  public OutputSecret secret;

  @JsonPropertyDescription("Delete (default): delete the Keycloak client with this resource. Retain: keep it.")
  public DeletionPolicy deletionPolicy;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ServiceAccount {
    @Size(max = Bounds.LIST_ITEMS)
    public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> realmRoles;
    @Size(max = Bounds.LIST_ITEMS)
    public List<ClientRoles> clientRoles;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ClientRoles {
    @JsonPropertyDescription("clientId of the client that defines the roles.")
    @Required
    @Size(max = Bounds.IDENTIFIER_LENGTH)
    public String client;
    @Required
    @Size(max = Bounds.LIST_ITEMS)
    public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> roles;

    public ClientRoles() {}

    public ClientRoles(String client, List<String> roles) {
      this.client = client;
      this.roles = roles;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Flows {
    @JsonPropertyDescription("Authorization-code flow; default false.")
    public Boolean standard;
    @JsonPropertyDescription("Resource-owner password grant; default false.")
    public Boolean directAccessGrants;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class OutputSecret {
    @JsonPropertyDescription("Name of the output Secret; default \"<name>-client\".")
    @Pattern(Bounds.NAME_PATTERN)
    @Size(max = Bounds.NAME_LENGTH)
    public String name;
    public Rotation rotation;
    public SecretTemplate template;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Rotation {
    @JsonPropertyDescription("Regenerate the credential (client secret or key pair) this often, e.g. 720h. At"
        + " least 10s. Optional: without it, only keymint.io/rotate-secret rotates.")
    @Pattern(Durations.PATTERN)
    @Size(max = Bounds.DURATION_LENGTH)
    @ValidationRule(value = "duration(self) >= duration('10s')", message = "secret.rotation.period is at least 10s")
    public String period;

    @JsonPropertyDescription("How long the previous credential stays accepted after a rotation; default 10m (half"
        + " the period when that is shorter)."
        + " PrivateKeyJwt: always. ClientSecret: only where the realm keeps a rotated secret (Keycloak's"
        + " client-secret rotation policy); otherwise the old secret ends at once. Shorter than period.")
    @Pattern(Durations.PATTERN)
    @Size(max = Bounds.DURATION_LENGTH)
    public String gracePeriod;
  }
}
