package io.keymint.keycloak;

/**
 * A Keycloak client that Keycloak itself showed, in this reconcile, to carry one resource's
 * ownership mark under the expected clientId. Only {@link KeycloakGateway} makes one, and every
 * gateway call that reads or regenerates a secret, or reads or replaces a key set, takes one: a
 * client id from a status field (which a tenant may be able to write) can only help to find the
 * client, never stand in for this proof.
 */
public final class OwnedClient {

  private final String realm;
  private final String clientId;
  private final String uuid;

  OwnedClient(String realm, String clientId, String uuid) {
    this.realm = realm;
    this.clientId = clientId;
    this.uuid = uuid;
  }

  public String realm() {
    return realm;
  }

  public String clientId() {
    return clientId;
  }

  /** Keycloak's internal id of the client. */
  public String uuid() {
    return uuid;
  }

  @Override
  public String toString() {
    return "OwnedClient[" + realm + "/" + clientId + "]";
  }
}
