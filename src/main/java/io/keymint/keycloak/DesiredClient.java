package io.keymint.keycloak;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * Everything Keymint wants a Keycloak client to be: the client itself, the roles it defines, its
 * service account's role mappings and its client scopes. Pure data; {@link #hash()} changes when
 * anything in it changes, so an unchanged resource needs no admin call.
 *
 * @param defaultClientScopes null: leave the realm's defaults alone; else exactly these
 * @param optionalClientScopes null: leave the realm's defaults alone; else exactly these
 */
public record DesiredClient(
    String realm,
    String clientId,
    String description,
    boolean publicClient,
    boolean standardFlow,
    boolean directAccessGrants,
    List<String> redirectUris,
    List<String> webOrigins,
    Integer accessTokenLifespanSeconds,
    SortedSet<String> definedRoles,
    SortedSet<String> realmRoles,
    SortedMap<String, SortedSet<String>> clientRoles,
    List<String> defaultClientScopes,
    List<String> optionalClientScopes,
    OwnerMark owner) {

  /** Confidential clients always have a service account (client_credentials), holding only the listed roles. */
  public boolean serviceAccount() {
    return !publicClient;
  }

  public String hash() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
