package io.keymint.token;

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
