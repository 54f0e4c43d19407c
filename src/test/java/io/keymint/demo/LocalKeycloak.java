package io.keymint.demo;

import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.TestRealm;
import jakarta.ws.rs.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.keycloak.representations.idm.RealmRepresentation;

/**
 * The demo's realms in the local Keycloak: {@value #KEYMINT_REALM}, where Keymint provisions, and the
 * realms standing in for the platforms' own. Access tokens live {@value #TOKEN_LIFESPAN_SECONDS} s
 * in all of them, so that refreshes happen while the demo runs.
 */
final class LocalKeycloak implements AutoCloseable {

  static final String KEYMINT_REALM = "apps";
  static final int TOKEN_LIFESPAN_SECONDS = 20;

  private final KeycloakServer server;
  private final List<TestRealm> realms = new ArrayList<>();
  private final TestRealm keymintRealm;

  LocalKeycloak(KeycloakServer server) {
    this.server = server;
    this.keymintRealm = realm(KEYMINT_REALM, settings -> {});
  }

  /** The realm Keymint provisions in, with Keymint's least-privilege admin client. */
  TestRealm keymintRealm() {
    return keymintRealm;
  }

  /** A fresh realm of this name (one left by an interrupted run is replaced), with these settings on top. */
  synchronized TestRealm realm(String name, Consumer<RealmRepresentation> settings) {
    try {
      server.masterAdmin().realm(name).remove();
    } catch (NotFoundException e) {
      // the usual case
    }
    TestRealm realm = KeycloakExtension.createRealm(server, name);
    realms.add(realm);
    RealmRepresentation representation = realm.admin().toRepresentation();
    representation.setAccessTokenLifespan(TOKEN_LIFESPAN_SECONDS);
    settings.accept(representation);
    realm.admin().update(representation);
    return realm;
  }

  /** Deletes the demo's realms, so that the next run starts from nothing. */
  @Override
  public synchronized void close() {
    for (TestRealm realm : realms) {
      try {
        realm.admin().remove();
      } catch (RuntimeException e) {
        // best effort: the next run replaces it
      }
    }
  }
}
