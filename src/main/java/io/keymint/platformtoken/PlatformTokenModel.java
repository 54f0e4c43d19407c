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
 * @param tokenUrl explicit endpoint only (null with clientApplicationRef): checked against the policy
 * @param scope    space-separated, or null
 */
public record PlatformTokenModel(Grant grant, String secretName, String stateSecretName, URI tokenUrl,
    AuthMethod authMethod, String scope) {

  public enum Grant { REFRESH_TOKEN, PASSWORD, API_KEY }

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
    if (spec.clientSecretRef != null) {
      requireKeyRef(spec.clientSecretRef, "clientSecretRef");
    }
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
    return new PlatformTokenModel(kind, TokenSpecs.secretName(spec.secret, name), name + "-keymint-state", url,
        spec.authMethod == null ? AuthMethod.ClientSecretBasic : spec.authMethod, TokenSpecs.scope(spec.scopes));
  }

  private static void requireKeyRef(SecretKeyReference ref, String field) {
    if (ref == null || ref.name == null || ref.name.isBlank() || ref.key == null || ref.key.isBlank()) {
      throw invalid(field + " needs a name and a key");
    }
  }

  private static ReconcileException invalid(String message) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, message);
  }
}
