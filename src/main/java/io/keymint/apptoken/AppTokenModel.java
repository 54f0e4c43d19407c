package io.keymint.apptoken;

import io.keymint.api.AuthMethod;
import io.keymint.keycloak.ClientIds;
import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import io.keymint.token.TokenSpecs;
import io.keymint.token.TokenUrlPolicy;
import java.net.URI;
import java.util.List;

/**
 * An AppToken validated into what Keymint will do. Pure: spec errors and the token-endpoint
 * policy are found here, before any request.
 *
 * @param tokenUrl    external source only: the checked token endpoint
 * @param secretKeys  external source only: which keys of its Secret are read
 * @param scope       space-separated, or null
 */
public record AppTokenModel(Source source, String secretName, URI tokenUrl, AuthMethod authMethod,
    SecretKeys secretKeys, String scope) {

  public enum Source { APPLICATION, AUDIENCE, CLIENT_CREDENTIALS }

  public static final String DEFAULT_CLIENT_ID_KEY = "client_id";
  public static final String DEFAULT_CLIENT_SECRET_KEY = "client_secret";
  public static final String DEFAULT_PRIVATE_KEY_KEY = "private_key";
  public static final String DEFAULT_KEY_ID_KEY = "key_id";

  /**
   * The keys of the clientCredentials Secret that are read, defaults applied: the client id, and
   * either the client secret or (PrivateKeyJwt) the private key and the optional key id.
   */
  public record SecretKeys(String clientId, String clientSecret, String privateKey, String keyId) {

    /** The keys that must be present (the key id may be absent: then no kid is sent). */
    public List<String> required() {
      return clientSecret != null ? List.of(clientId, clientSecret) : List.of(clientId, privateKey);
    }
  }

  public static AppTokenModel from(AppToken token, TokenUrlPolicy policy) {
    AppTokenSpec spec = token.getSpec();
    if (spec == null) {
      throw invalid("spec is required");
    }
    int sources = (spec.clientApplicationRef != null ? 1 : 0) + (spec.audience != null ? 1 : 0)
        + (spec.clientCredentials != null ? 1 : 0);
    if (sources != 1) {
      throw invalid("exactly one of clientApplicationRef, audience or clientCredentials (found " + sources + ")");
    }
    TokenSpecs.checkRefresh(spec.refresh);
    TokenSpecs.checkTemplate(spec.secret);
    String scope = TokenSpecs.scope(spec.scopes);
    String secretName = secretNameOf(token);
    if (spec.clientApplicationRef != null) {
      requireName(spec.clientApplicationRef.name, "clientApplicationRef.name");
      return new AppTokenModel(Source.APPLICATION, secretName, null, AuthMethod.ClientSecretBasic, null, scope);
    }
    if (spec.audience != null) {
      if (spec.audience.roles == null || spec.audience.roles.isEmpty()) {
        throw invalid("audience.roles must name at least one role");
      }
      if (spec.audience.selector == null) {
        throw invalid("audience.selector is required");
      }
      return new AppTokenModel(Source.AUDIENCE, secretName, null, AuthMethod.ClientSecretBasic, null, scope);
    }
    AppTokenSpec.ClientCredentials credentials = spec.clientCredentials;
    if (credentials.secretRef == null) {
      throw invalid("clientCredentials.secretRef is required");
    }
    requireName(credentials.secretRef.name, "clientCredentials.secretRef.name");
    AuthMethod method = credentials.authMethod == null ? AuthMethod.ClientSecretBasic : credentials.authMethod;
    SecretKeys keys = secretKeys(credentials.secretRef, method);
    URI url = policy.check(credentials.tokenUrl == null ? "" : credentials.tokenUrl);
    return new AppTokenModel(Source.CLIENT_CREDENTIALS, secretName, url, method, keys, scope);
  }

  /** Which keys to read for this method; a key named for the other kind of credential is a spec error. */
  static SecretKeys secretKeys(AppTokenSpec.CredentialsSecretRef ref, AuthMethod method) {
    String clientId = orDefault(ref.clientIdKey, DEFAULT_CLIENT_ID_KEY);
    if (method == AuthMethod.PrivateKeyJwt) {
      if (ref.clientSecretKey != null) {
        throw invalid("clientCredentials.secretRef.clientSecretKey is not read with authMethod PrivateKeyJwt; "
            + "name the private key with privateKeyKey (default " + DEFAULT_PRIVATE_KEY_KEY + ")");
      }
      return new SecretKeys(clientId, null, orDefault(ref.privateKeyKey, DEFAULT_PRIVATE_KEY_KEY),
          orDefault(ref.keyIdKey, DEFAULT_KEY_ID_KEY));
    }
    if (ref.privateKeyKey != null || ref.keyIdKey != null) {
      throw invalid("clientCredentials.secretRef.privateKeyKey and keyIdKey go with authMethod PrivateKeyJwt, not "
          + method);
    }
    return new SecretKeys(clientId, orDefault(ref.clientSecretKey, DEFAULT_CLIENT_SECRET_KEY), null, null);
  }

  private static String orDefault(String key, String defaultKey) {
    return key == null || key.isBlank() ? defaultKey : key;
  }

  public static String secretNameOf(AppToken token) {
    return TokenSpecs.secretName(token.getSpec() == null ? null : token.getSpec().secret, token.getMetadata().getName());
  }

  /** The dedicated Keycloak client of an audience-mode AppToken. */
  public static String dedicatedClientId(AppToken token) {
    String namespace = token.getMetadata().getNamespace();
    String name = token.getMetadata().getName();
    String legacy = ClientIds.legacyAppToken(namespace, name);
    boolean kept = token.getStatus() != null && legacy.equals(token.getStatus().clientId); // made before the rules; the mark decides
    return kept ? legacy : ClientIds.appToken(namespace, name);
  }

  /** Audience mode: the requested roles this application defines. */
  public static List<String> grantableOn(AppToken token, List<String> applicationRoles) {
    return token.getSpec().audience.roles.stream()
        .filter(r -> applicationRoles != null && applicationRoles.contains(r)).sorted().distinct().toList();
  }

  private static void requireName(String name, String field) {
    if (name == null || name.isBlank()) {
      throw invalid(field + " is required");
    }
  }

  private static ReconcileException invalid(String message) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, message);
  }
}
