package io.keymint.clientapp;

import io.keymint.clientapp.ClientApplicationSpec.ClientAuthentication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of a ClientApplication's Secret, the one place its key names live: the reconciler
 * writes it with {@link #data}, AppTokens and PlatformTokens on the application read it
 * ({@link ApplicationCredentials}), templates are checked against {@link #keysOf}.
 */
public final class ApplicationSecret {

  public static final String CLIENT_ID = "client_id";
  public static final String CLIENT_SECRET = "client_secret";
  public static final String PRIVATE_KEY = "private_key";
  public static final String KEY_ID = "key_id";
  public static final String AUTH_METHOD = "token_endpoint_auth_method";
  public static final String ISSUER_URL = "issuer_url";
  public static final String TOKEN_URL = "token_url";
  public static final String REALM = "realm";
  /** ServiceAccount applications: the audience the workload's projected token must carry (the realm's issuer). */
  public static final String AUDIENCE = "audience";
  /** The value of {@link #AUTH_METHOD} for a client that signs assertions with its key pair. */
  public static final String PRIVATE_KEY_JWT = "private_key_jwt";
  /** The value of {@link #AUTH_METHOD} for a client that presents its workload's ServiceAccount token. */
  public static final String FEDERATED_JWT = "federated_jwt";

  /** Every standard key an application's Secret can hold; which ones it holds: {@link #keysOf}. */
  public static final List<String> KEYS = List.of(CLIENT_ID, CLIENT_SECRET, PRIVATE_KEY, KEY_ID, AUTH_METHOD, AUDIENCE,
      ISSUER_URL, TOKEN_URL, REALM);
  private static final List<String> COMMON_KEYS = List.of(CLIENT_ID, ISSUER_URL, TOKEN_URL, REALM);

  private ApplicationSecret() {
  }

  /**
   * The standard keys of an application's Secret: the common ones and its credential's (a
   * ServiceAccount application has none: how to authenticate, and the audience its workload's token needs).
   */
  public static List<String> keysOf(boolean publicClient, ClientAuthentication authentication) {
    List<String> keys = new ArrayList<>(COMMON_KEYS);
    if (publicClient) {
      return keys;
    }
    keys.addAll(switch (authentication == null ? ClientAuthentication.ClientSecret : authentication) {
      case ClientSecret -> List.of(CLIENT_SECRET);
      case PrivateKeyJwt -> List.of(PRIVATE_KEY, KEY_ID, AUTH_METHOD);
      case ServiceAccount -> List.of(AUTH_METHOD, AUDIENCE);
    });
    return keys;
  }

  /** The Secret's standard data: the client, its credential's keys ({@link Credential#data()}) and where to use them. */
  static Map<String, String> data(String clientId, Map<String, String> credential, String issuerUrl, String tokenUrl,
      String realm) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(CLIENT_ID, clientId);
    data.putAll(credential);
    data.put(ISSUER_URL, issuerUrl);
    data.put(TOKEN_URL, tokenUrl);
    data.put(REALM, realm);
    return data;
  }
}
