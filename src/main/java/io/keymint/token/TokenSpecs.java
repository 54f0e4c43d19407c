package io.keymint.token;

import io.keymint.api.Durations;
import io.keymint.api.Reasons;
import io.keymint.api.RefreshPolicy;
import io.keymint.api.TokenSecret;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretTemplates;
import java.util.List;

/** The spec rules AppToken and PlatformToken share: refresh policy, scopes, the token Secret's name. Pure. */
public final class TokenSpecs {

  private TokenSpecs() {}

  /** Fails with InvalidSpec when the refresh policy cannot be used (the CRD says so too; the API server may not check). */
  public static void checkRefresh(RefreshPolicy refresh) {
    if (refresh == null) {
      return;
    }
    if (refresh.beforeExpiry != null) {
      try {
        Durations.parse(refresh.beforeExpiry);
      } catch (IllegalArgumentException e) {
        throw ReconcileException.permanent(Reasons.INVALID_SPEC, "refresh.beforeExpiry: " + e.getMessage());
      }
    }
    if (refresh.beforeExpiryPercentage != null
        && (refresh.beforeExpiryPercentage < 1 || refresh.beforeExpiryPercentage > 90)) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "refresh.beforeExpiryPercentage must be between 1 and 90");
    }
  }

  /**
   * Fails with InvalidSpec when a {@code secret.template.data} template does not parse, names
   * anything but a token Secret's keys, or would replace one. {@code scope} and {@code id_token}
   * may be named; a token that comes without them cannot be rendered (InvalidSpec then too).
   */
  public static void checkTemplate(TokenSecret secret) {
    if (secret != null && secret.template != null) {
      SecretTemplates.check(secret.template.data, TokenSecretData.KEYS);
    }
  }

  /** The scopes as one space-separated string, or null for none. */
  public static String scope(List<String> scopes) {
    return scopes == null || scopes.isEmpty() ? null : String.join(" ", scopes);
  }

  /** The token Secret's name: spec.secret.name, default "<name>-token". */
  public static String secretName(TokenSecret secret, String resourceName) {
    return secret != null && secret.name != null ? secret.name : resourceName + "-token";
  }
}
