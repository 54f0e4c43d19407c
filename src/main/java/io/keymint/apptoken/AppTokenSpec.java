package io.keymint.apptoken;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.keymint.api.AuthMethod;
import io.keymint.api.Bounds;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.RolloutTarget;
import io.keymint.api.TokenSecret;
import java.util.List;
import java.util.Map;

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
  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> scopes;

  public RefreshPolicy refresh;
  public TokenSecret secret;
  @Size(max = Bounds.ROLLOUT_TARGETS)
  public List<RolloutTarget> rolloutRestart;

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Audience {
    @Required
    @SchemaFrom(type = SelectorSchema.class)
    public LabelSelector selector;
    @JsonPropertyDescription("Client roles, from the matched applications' spec.roles.")
    @Required
    @Size(min = 1, max = Bounds.LIST_ITEMS)
    public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> roles;
  }

  /** The schema of {@code audience.selector}: a Kubernetes label selector, bounded (the field stays Fabric8's type). */
  public static class SelectorSchema {
    @Size(max = Bounds.METADATA_ENTRIES)
    @ValidationRule(value = "self.all(k, size(k) <= " + Bounds.LABEL_KEY_LENGTH + ")",
        message = "a label key is at most " + Bounds.LABEL_KEY_LENGTH + " characters")
    public Map<String, @Size(max = Bounds.LABEL_VALUE_LENGTH) String> matchLabels;
    @Size(max = Bounds.METADATA_ENTRIES)
    public List<Requirement> matchExpressions;

    /** One of matchExpressions. */
    public static class Requirement {
      @Required
      @Size(max = Bounds.LABEL_KEY_LENGTH)
      public String key;
      @Required
      @Size(max = 16) // In, NotIn, Exists, DoesNotExist
      public String operator;
      @Size(max = Bounds.LIST_ITEMS)
      public List<@Size(max = Bounds.LABEL_VALUE_LENGTH) String> values;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ClientCredentials {
    @Required
    @Pattern("^https?://.+")
    @Size(max = Bounds.URL_LENGTH)
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
    @Pattern(Bounds.NAME_PATTERN)
    @Size(max = Bounds.NAME_LENGTH)
    public String name;
    @JsonPropertyDescription("Default client_id.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String clientIdKey;
    @JsonPropertyDescription("Default client_secret; not read with PrivateKeyJwt.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String clientSecretKey;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the PKCS#8 PEM private key; default private_key.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String privateKeyKey;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the key id sent as kid; default key_id (absent: no kid).")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String keyIdKey;
  }
}
