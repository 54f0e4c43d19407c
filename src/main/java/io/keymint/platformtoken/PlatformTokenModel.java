package io.keymint.platformtoken;

import io.keymint.api.AuthMethod;
import io.keymint.api.Reasons;
import io.keymint.api.SecretKeyReference;
import io.keymint.kube.ReconcileException;
import io.keymint.token.TokenSpecs;
import io.keymint.token.TokenUrlPolicy;
import java.net.URI;

/**
 * A PlatformToken validated into what Keymint will do. Pure: spec errors and the token-endpoint
 * policy are found here, before any request.
 *
 * @param tokenUrl         explicit endpoint only (null with clientApplicationRef): checked against the policy
 * @param clientCredential explicit endpoint with clientSecretRef only: which keys of that Secret are read
 * @param scope            space-separated, or null
 */
public record PlatformTokenModel(Grant grant, String secretName, String stateSecretName, URI tokenUrl,
    AuthMethod authMethod, ClientCredential clientCredential, String scope) {

  public enum Grant { REFRESH_TOKEN, PASSWORD, API_KEY }

  public static final String DEFAULT_PRIVATE_KEY_KEY = "private_key";
  public static final String DEFAULT_KEY_ID_KEY = "key_id";

  /**
   * The keys of the client's Secret that are read: the client secret ({@code secretKey}), or, with
   * PrivateKeyJwt, the private key and the optional key id (defaults applied).
   */
  public record ClientCredential(String secretName, String secretKey, String privateKeyKey, String keyIdKey) {}

  public static final String DEFAULT_API_KEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";
  public static final String DEFAULT_API_KEY_PARAMETER = "apikey";

  public static PlatformTokenModel from(PlatformToken token, TokenUrlPolicy policy) {
    PlatformTokenSpec spec = token.getSpec();
    if (spec == null || spec.grant == null) {
      throw invalid("spec.grant is required");
    }
    boolean application = spec.clientApplicationRef != null;
    if (application == (spec.tokenUrl != null)) {
      throw invalid("exactly one of clientApplicationRef or tokenUrl");
    }
    if (!application && (spec.clientId == null || spec.clientId.isBlank())) {
      throw invalid("clientId is required with tokenUrl");
    }
    if (application && spec.clientSecretRef != null) {
      throw invalid("clientSecretRef goes with tokenUrl, not with clientApplicationRef");
    }
    AuthMethod method = spec.authMethod == null ? AuthMethod.ClientSecretBasic : spec.authMethod;
    ClientCredential clientCredential = application ? null : clientCredential(spec.clientSecretRef, method);
    PlatformTokenSpec.Grant grant = spec.grant;
    int grants = (grant.refreshToken != null ? 1 : 0) + (grant.password != null ? 1 : 0) + (grant.apiKey != null ? 1 : 0);
    if (grants != 1) {
      throw invalid("exactly one of grant.refreshToken, grant.password or grant.apiKey (found " + grants + ")");
    }
    Grant kind;
    if (grant.refreshToken != null) {
      requireKeyRef(grant.refreshToken.secretRef, "grant.refreshToken.secretRef");
      kind = Grant.REFRESH_TOKEN;
    } else if (grant.password != null) {
      if (grant.password.secretRef == null || grant.password.secretRef.name == null) {
        throw invalid("grant.password.secretRef.name is required");
      }
      kind = Grant.PASSWORD;
    } else {
      requireKeyRef(grant.apiKey.secretRef, "grant.apiKey.secretRef");
      kind = Grant.API_KEY;
    }
    TokenSpecs.checkRefresh(spec.refresh);
    TokenSpecs.checkTemplate(spec.secret);
    URI url = application ? null : policy.check(spec.tokenUrl);
    String name = token.getMetadata().getName();
    return new PlatformTokenModel(kind, TokenSpecs.secretName(spec.secret, name), stateSecretNameOf(name), url,
        method, clientCredential, TokenSpecs.scope(spec.scopes));
  }

  /**
   * What to read from clientSecretRef for this method (explicit endpoint only): null for a public
   * client; a key named for the other kind of credential is a spec error.
   */
  static ClientCredential clientCredential(PlatformTokenSpec.ClientSecretRef ref, AuthMethod method) {
    if (method == AuthMethod.PrivateKeyJwt) {
      if (ref == null || ref.name == null || ref.name.isBlank()) {
        throw invalid("authMethod PrivateKeyJwt needs clientSecretRef, the Secret with the private key");
      }
      if (ref.key != null) {
        throw invalid("clientSecretRef.key names a client secret, which PrivateKeyJwt does not read; name the private "
            + "key with clientSecretRef.privateKeyKey (default " + DEFAULT_PRIVATE_KEY_KEY + ")");
      }
      return new ClientCredential(ref.name, null, orDefault(ref.privateKeyKey, DEFAULT_PRIVATE_KEY_KEY),
          orDefault(ref.keyIdKey, DEFAULT_KEY_ID_KEY));
    }
    if (ref == null) {
      return null;
    }
    if (ref.name == null || ref.name.isBlank() || ref.key == null || ref.key.isBlank()) {
      throw invalid("clientSecretRef needs a name and a key");
    }
    if (ref.privateKeyKey != null || ref.keyIdKey != null) {
      throw invalid("clientSecretRef.privateKeyKey and keyIdKey go with authMethod PrivateKeyJwt, not " + method);
    }
    return new ClientCredential(ref.name, ref.key, null, null);
  }

  private static String orDefault(String key, String defaultKey) {
    return key == null || key.isBlank() ? defaultKey : key;
  }

  private static void requireKeyRef(SecretKeyReference ref, String field) {
    if (ref == null || ref.name == null || ref.name.isBlank() || ref.key == null || ref.key.isBlank()) {
      throw invalid(field + " needs a name and a key");
    }
  }

  private static ReconcileException invalid(String message) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, message);
  }

  /** The operator-owned Secret where a PlatformToken keeps the refresh tokens the provider rotated. */
  public static String stateSecretNameOf(String tokenName) {
    return tokenName + "-keymint-state";
  }
}
