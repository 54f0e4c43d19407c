package io.keymint.oauth;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request to a token endpoint: the grant's form parameters and the client, with how it
 * authenticates. {@link #toString()} never shows a parameter value, a secret or a key.
 */
public record TokenRequest(URI tokenUrl, Map<String, String> form, ClientAuthentication client) {

  public static TokenRequest clientCredentials(URI tokenUrl, ClientAuthentication client, String scope) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "client_credentials");
    putScope(form, scope);
    return new TokenRequest(tokenUrl, form, client);
  }

  public static TokenRequest refreshToken(URI tokenUrl, ClientAuthentication client, String refreshToken,
      String scope) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "refresh_token");
    form.put("refresh_token", refreshToken);
    putScope(form, scope);
    return new TokenRequest(tokenUrl, form, client);
  }

  public static TokenRequest password(URI tokenUrl, ClientAuthentication client, String username, String password,
      String scope) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "password");
    form.put("username", username);
    form.put("password", password);
    putScope(form, scope);
    return new TokenRequest(tokenUrl, form, client);
  }

  /** A custom grant such as IBM's API key: {@code grant_type=<grantType>&<parameter>=<value>}. */
  public static TokenRequest custom(URI tokenUrl, ClientAuthentication client, String grantType, String parameter,
      String value, String scope) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", grantType);
    form.put(parameter, value);
    putScope(form, scope);
    return new TokenRequest(tokenUrl, form, client);
  }

  /** The endpoint as messages show it: scheme, host, port and path; never a query, fragment or user info. */
  public String endpoint() {
    if (tokenUrl.getHost() == null) {
      return "(not a URL)";
    }
    return tokenUrl.getScheme() + "://" + tokenUrl.getHost() + (tokenUrl.getPort() < 0 ? "" : ":" + tokenUrl.getPort())
        + (tokenUrl.getRawPath() == null ? "" : tokenUrl.getRawPath());
  }

  /** The client id, or null when the request names none. */
  public String clientId() {
    return client.clientId();
  }

  public String grantType() {
    return form.get("grant_type");
  }

  private static void putScope(Map<String, String> form, String scope) {
    if (scope != null && !scope.isBlank()) {
      form.put("scope", scope);
    }
  }

  @Override
  public String toString() {
    return "TokenRequest[" + grantType() + " at " + endpoint() + ", client " + clientId() + "]";
  }
}
