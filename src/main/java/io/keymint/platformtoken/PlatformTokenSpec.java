package io.keymint.platformtoken;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.keymint.api.AuthMethod;
import io.keymint.api.Bounds;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.RolloutTarget;
import io.keymint.api.SecretKeyReference;
import io.keymint.api.TokenSecret;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.clientApplicationRef) != has(self.tokenUrl)",
    message = "exactly one of clientApplicationRef or tokenUrl")
@ValidationRule(value = "has(self.tokenUrl) == has(self.clientId)",
    message = "tokenUrl and clientId go together")
@ValidationRule(value = "!has(self.clientApplicationRef) || !has(self.clientSecretRef)",
    message = "clientSecretRef goes with tokenUrl, not with clientApplicationRef")
@ValidationRule(value = "!has(self.clientSecretRef) || has(self.clientSecretRef.key) "
    + "|| (has(self.authMethod) && self.authMethod == 'PrivateKeyJwt')",
    message = "clientSecretRef.key is required unless authMethod is PrivateKeyJwt")
@ValidationRule(value = "!has(self.tokenUrl) || !has(self.authMethod) || self.authMethod != 'PrivateKeyJwt' "
    + "|| has(self.clientSecretRef)",
    message = "authMethod PrivateKeyJwt needs clientSecretRef, the Secret with the private key")
@JsonIgnoreProperties(ignoreUnknown = true)
public class PlatformTokenSpec {

  @JsonPropertyDescription("Exchange at this ClientApplication's token URL with its credentials.")
  public LocalObjectReference clientApplicationRef;

  @JsonPropertyDescription("Or an explicit token endpoint ...")
  @Pattern("^https?://.+")
  @Size(max = Bounds.URL_LENGTH)
  public String tokenUrl;
  @JsonPropertyDescription("... and client.")
  @Size(max = Bounds.IDENTIFIER_LENGTH)
  public String clientId;
  @JsonPropertyDescription("Optional: the Secret with a confidential client's secret (key) or, with PrivateKeyJwt, "
      + "its private key (privateKeyKey, keyIdKey).")
  public ClientSecretRef clientSecretRef;
  @JsonPropertyDescription("ClientSecretBasic (default), ClientSecretPost, or PrivateKeyJwt: a client assertion "
      + "signed with the private key in clientSecretRef (RFC 7523). With clientApplicationRef the application's "
      + "Secret decides.")
  public AuthMethod authMethod;

  @Required
  public Grant grant;

  @Size(max = Bounds.LIST_ITEMS)
  public List<@Size(max = Bounds.IDENTIFIER_LENGTH) String> scopes;
  public RefreshPolicy refresh;
  public TokenSecret secret;
  @Size(max = Bounds.ROLLOUT_TARGETS)
  public List<RolloutTarget> rolloutRestart;

  /** The Secret holding the client's credential: its secret ({@code key}) or its private key. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ClientSecretRef {
    @Required
    @Pattern(Bounds.NAME_PATTERN)
    @Size(max = Bounds.NAME_LENGTH)
    public String name;
    @JsonPropertyDescription("The key holding the client secret (ClientSecretBasic, ClientSecretPost).")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String key;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the PKCS#8 PEM private key; default private_key.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String privateKeyKey;
    @JsonPropertyDescription("PrivateKeyJwt: the key holding the key id sent as kid; default key_id (absent: no kid).")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String keyIdKey;

    public ClientSecretRef() {}

    /** A client secret under {@code key}. */
    public ClientSecretRef(String name, String key) {
      this.name = name;
      this.key = key;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "[has(self.refreshToken), has(self.password), has(self.apiKey)].filter(x, x).size() == 1",
      message = "exactly one of refreshToken, password or apiKey")
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Grant {
    public RefreshTokenGrant refreshToken;
    public PasswordGrant password;
    public ApiKeyGrant apiKey;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class RefreshTokenGrant {
    @Required
    public SecretKeyReference secretRef;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class PasswordGrant {
    @Required
    public PasswordSecretRef secretRef;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class PasswordSecretRef {
    @Required
    @Pattern(Bounds.NAME_PATTERN)
    @Size(max = Bounds.NAME_LENGTH)
    public String name;
    @JsonPropertyDescription("Default username.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String usernameKey;
    @JsonPropertyDescription("Default password.")
    @Pattern(Bounds.SECRET_KEY_PATTERN)
    @Size(max = Bounds.SECRET_KEY_LENGTH)
    public String passwordKey;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class ApiKeyGrant {
    @Required
    public SecretKeyReference secretRef;
    @JsonPropertyDescription("Default urn:ibm:params:oauth:grant-type:apikey.")
    @Size(max = Bounds.IDENTIFIER_LENGTH)
    public String grantType;
    @JsonPropertyDescription("Form parameter that carries the key; default apikey.")
    @Size(max = Bounds.IDENTIFIER_LENGTH)
    public String parameter;
  }
}
