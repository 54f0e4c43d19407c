package io.keymint.oauth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Reads the claims of a JWT (no signature check: Keymint only needs exp and aud of tokens it was just given). */
public final class Jwt {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Jwt() {}

  /** The payload's claims, or an empty map when the token is not a JWT (opaque tokens are fine). */
  public static Map<String, Object> claims(String token) {
    if (token == null) {
      return Map.of();
    }
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Map.of();
    }
    try {
      return JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), new TypeReference<Map<String, Object>>() {});
    } catch (Exception e) {
      return Map.of();
    }
  }

  /** The aud claim as a list (it may be a single string). */
  public static List<String> audiences(Map<String, Object> claims) {
    Object aud = claims.get("aud");
    if (aud instanceof String s) {
      return List.of(s);
    }
    if (aud instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    return List.of();
  }
}
