package io.keymint.token;

import io.keymint.api.Bounds;
import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretSize;
import io.keymint.kube.Times;
import io.keymint.oauth.TokenResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a token Secret holds (API.md, "Token Secrets"): {@code access_token}, {@code token_type},
 * {@code expires_at}, {@code scope} when granted, {@code id_token} when returned. Never the
 * long-lived credential. Pure.
 */
public final class TokenSecretData {

  public static final String ACCESS_TOKEN = "access_token";
  public static final String TOKEN_TYPE = "token_type";
  public static final String EXPIRES_AT = "expires_at";
  public static final String SCOPE = "scope";
  public static final String ID_TOKEN = "id_token";
  public static final List<String> KEYS = List.of(ACCESS_TOKEN, TOKEN_TYPE, EXPIRES_AT, SCOPE, ID_TOKEN);

  private TokenSecretData() {}

  /**
   * The token Secret's data. Fails with InvalidTokenResponse (retried with backoff: the provider may
   * answer differently next time) when the tokens would make the Secret hold more than
   * {@link Bounds#SECRET_DATA_BYTES}; the message gives their sizes, never their content.
   */
  public static Map<String, String> of(TokenResponse token) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(ACCESS_TOKEN, token.accessToken());
    data.put(TOKEN_TYPE, token.tokenType());
    data.put(EXPIRES_AT, Times.format(token.expiresAt()));
    if (token.scope() != null && !token.scope().isBlank()) {
      data.put(SCOPE, token.scope());
    }
    if (token.idToken() != null) {
      data.put(ID_TOKEN, token.idToken());
    }
    long size = SecretSize.of(data);
    if (size > Bounds.SECRET_DATA_BYTES) {
      String large = String.join(", ", data.entrySet().stream().filter(e -> SecretSize.of(e.getValue()) >= 1024)
          .map(e -> e.getKey() + " " + SecretSize.format(SecretSize.of(e.getValue()))).toList());
      throw ReconcileException.retryable(Reasons.INVALID_TOKEN_RESPONSE, "the token endpoint's answer is too"
          + " large for a Secret (" + large + "); a token Secret holds at most " + SecretSize.format(Bounds.SECRET_DATA_BYTES));
    }
    return data;
  }

  /** The token Secret keys of {@code data}: without rendered templates or keys others added. */
  public static Map<String, String> only(Map<String, String> data) {
    Map<String, String> ours = new LinkedHashMap<>();
    KEYS.forEach(k -> {
      if (data.containsKey(k)) {
        ours.put(k, data.get(k));
      }
    });
    return ours;
  }

  /** The expiry recorded in a token Secret's data, or null when it has none or it does not parse. */
  public static Instant expiresAt(Map<String, String> data) {
    try {
      return data == null ? null : Times.parse(data.get(EXPIRES_AT));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
