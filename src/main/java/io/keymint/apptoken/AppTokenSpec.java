package io.keymint.apptoken;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.keymint.api.AuthMethod;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.RolloutTarget;
import io.keymint.api.TokenSecret;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "[has(self.clientApplicationRef), has(self.audience), has(self.clientCredentials)].filter(x, x).size() == 1",
    message = "exactly one of clientApplicationRef, audience or clientCredentials")
@JsonIgnoreProperties(ignoreUnknown = true)
public class AppTokenSpec {

  @JsonPropertyDescription("Source 1: a ClientApplication's own service account.")
  public LocalObjectReference clientApplicationRef;

  @JsonPropertyDescription("Source 2: a scoped token for every ClientApplication matching a selector.")
  public Audience audience;

  @JsonPropertyDescription("Source 3: an external identity provider's client credentials.")
  public ClientCredentials clientCredentials;

  @JsonPropertyDescription("OAuth scopes to request.")
  public List<String> scopes;

  public RefreshPolicy refresh;
  public TokenSecret secret;
  public List<RolloutTarget> rolloutRestart;

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Audience {
    @Required
    public LabelSelector selector;
    @JsonPropertyDescription("Client roles, from the matched applications' spec.roles.")
    @Required
    @Size(min = 1)
    public List<String> roles;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ClientCredentials {
    @Required
    @io.fabric8.generator.annotation.Pattern("^https?://.+")
    public String tokenUrl;
    @Required
    public CredentialsSecretRef secretRef;
    @JsonPropertyDescription("ClientSecretBasic (default), ClientSecretPost, or PrivateKeyJwt: a client assertion "
        + "signed with the private key in secretRef (RFC 7523).")
    public AuthMethod authMethod;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class CredentialsSecretRef {
    @Required
    public String name;
    @JsonPropertyDescription("Default client_id.")
    public String clientIdKey;
    @JsonPropertyDescription("Default client_secret; not read with PrivateKeyJwt.")
    public String clientSecretKey;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the PKCS#8 PEM private key; default private_key.")
    public String privateKeyKey;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the key id sent as kid; default key_id (absent: no kid).")
    public String keyIdKey;
  }
}
