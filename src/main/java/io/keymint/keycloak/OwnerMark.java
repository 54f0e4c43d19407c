package io.keymint.keycloak;

import java.util.Map;

/**
 * The attributes Keymint puts on every Keycloak client it creates, naming the resource that owns
 * it. A client without our mark, or with another resource's, is never changed or deleted.
 */
public record OwnerMark(String uid, String kind, String namespace, String name) {

  public static final String UID_ATTRIBUTE = "keymint.io/owner-uid";
  public static final String OWNER_ATTRIBUTE = "keymint.io/owner";

  public Map<String, String> attributes() {
    return Map.of(UID_ATTRIBUTE, uid, OWNER_ATTRIBUTE, describe());
  }

  /** {@code Kind namespace/name}, for messages and for humans reading the client in Keycloak. */
  public String describe() {
    return kind + " " + namespace + "/" + name;
  }

  public boolean isOn(Map<String, String> attributes) {
    return attributes != null && uid.equals(attributes.get(UID_ATTRIBUTE));
  }

  /** The namespace of whichever Keymint resource owns a client, or null for a client Keymint does not manage. */
  public static String namespaceOf(Map<String, String> attributes) {
    String owner = attributes == null ? null : attributes.get(OWNER_ATTRIBUTE);
    if (owner == null || !attributes.containsKey(UID_ATTRIBUTE)) {
      return null;
    }
    int space = owner.indexOf(' ');
    int slash = owner.indexOf('/', space + 1);
    return space < 0 || slash < 0 ? null : owner.substring(space + 1, slash);
  }
}
