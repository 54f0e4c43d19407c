package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.representations.idm.ClientRepresentation;

/** What Keymint owns on a client: each row changes the client as Keycloak shows it and says whether Keymint writes. */
class ClientDiffTest {

  private static final OwnerMark MARK = new OwnerMark("uid-1", "ClientApplication", "team-a", "scorer");
  private static final DesiredClient DESIRED = new DesiredClient("apps", "team-a.scorer", null, false, true,
      false, List.of("https://app.example.com/a", "https://app.example.com/b"), List.of("+"), 300, new TreeSet<>(),
      new TreeSet<>(), new TreeMap<>(), null, null, MARK);

  static Stream<Arguments> changes() {
    return Stream.of(
        row("nothing changed", c -> { }, false),
        row("redirect URIs in another order", c -> c.setRedirectUris(List.of("https://app.example.com/b",
            "https://app.example.com/a")), false),
        row("no description: absent instead of empty", c -> c.setDescription(null), false),
        row("a description someone wrote", c -> c.setDescription("mine now"), true),
        row("an attribute someone else set", c -> attribute(c, "login_theme", "corporate"), false),
        row("an attribute set to empty", c -> attribute(c, "some.flag", ""), false),
        row("renamed", c -> c.setName("someone"), true),
        row("made public", c -> c.setPublicClient(true), true),
        row("service account off", c -> c.setServiceAccountsEnabled(false), true),
        row("direct access grants on", c -> c.setDirectAccessGrantsEnabled(true), true),
        row("implicit flow on", c -> c.setImplicitFlowEnabled(true), true),
        row("full scope on a login client", c -> c.setFullScopeAllowed(true), true),
        row("disabled", c -> c.setEnabled(false), true),
        row("a redirect URI added", c -> c.setRedirectUris(List.of("https://app.example.com/a",
            "https://app.example.com/b", "https://evil.example.com/*")), true),
        row("a web origin removed", c -> c.setWebOrigins(List.of()), true),
        row("another authenticator", c -> c.setClientAuthenticatorType("client-jwt"), true),
        row("the ownership mark changed", c -> attribute(c, OwnerMark.UID_ATTRIBUTE, "uid-2"), true),
        row("another lifespan", c -> attribute(c, KeycloakGateway.LIFESPAN_ATTRIBUTE, "3600"), true),
        row("a key set left from PrivateKeyJwt", c -> attribute(c, KeycloakGateway.JWKS_STRING, "{\"keys\":[]}"), true),
        row("a workload binding left from ServiceAccount", c -> attribute(c, FederatedJwt.SUBJECT_ATTRIBUTE,
            "system:serviceaccount:team-a:scorer"), true));
  }

  @ParameterizedTest(name = "{0}: writes {2}")
  @MethodSource("changes")
  void writesOnlyWhenSomethingKeymintOwnsDiffers(String what, Consumer<ClientRepresentation> change, boolean writes) {
    ClientRepresentation existing = ClientDiff.create(DESIRED);
    existing.setId("uuid-1");
    change.accept(existing);
    ClientRepresentation update = ClientDiff.update(DESIRED, existing);
    assertThat(update != null).as(what).isEqualTo(writes);
    if (update != null) {
      assertThat(ClientDiff.update(DESIRED, merged(existing, update))).as("after the update, " + what).isNull();
    }
  }

  @Test
  void anUpdateKeepsOthersAttributesAndEmptiesOnlyWhatKeymintRemoves() {
    ClientRepresentation existing = ClientDiff.create(DESIRED);
    existing.setId("uuid-1");
    attribute(existing, "login_theme", "corporate");
    attribute(existing, KeycloakGateway.JWKS_STRING, "{\"keys\":[]}");
    ClientRepresentation update = ClientDiff.update(DESIRED, existing);
    assertThat(update.getId()).isEqualTo("uuid-1");
    assertThat(update.getAttributes()).containsEntry("login_theme", "corporate")
        .containsEntry(KeycloakGateway.JWKS_STRING, "").containsEntry(KeycloakGateway.LIFESPAN_ATTRIBUTE, "300")
        .containsAllEntriesOf(MARK.attributes());
    assertThat(update.getDefaultClientScopes()).as("scopes are synced one by one after creation").isNull();
  }

  @Test
  void aNewClientCarriesTheMarkItsScopesAndNoFullScopeWithALoginFlow() {
    DesiredClient withScopes = new DesiredClient("apps", "team-a.scorer", null, false, true, false, List.of(), List.of(),
        null, new TreeSet<>(), new TreeSet<>(), new TreeMap<>(), List.of("profile"), List.of("email"), MARK);
    ClientRepresentation created = ClientDiff.create(withScopes);
    assertThat(created.getAttributes()).containsAllEntriesOf(MARK.attributes());
    assertThat(created.getDefaultClientScopes()).containsExactly("profile");
    assertThat(created.getOptionalClientScopes()).containsExactly("email");
    assertThat(created.isFullScopeAllowed()).isFalse();
    assertThat(created.getDescription()).isEmpty();
  }

  @Test
  void aServiceAccountClientIsBoundToExactlyItsWorkloadAndLeavesNothingBehindWhenItSwitches() {
    FederatedJwt binding = new FederatedJwt("kubernetes", "system:serviceaccount:team-a:scorer");
    DesiredClient bound = new DesiredClient("apps", "team-a.scorer", null, false, false, false, List.of(), List.of(), null,
        new TreeSet<>(), new TreeSet<>(), new TreeMap<>(), null, null, MARK, new TreeMap<>(), false, binding);
    ClientRepresentation created = ClientDiff.create(bound);
    assertThat(created.getClientAuthenticatorType()).isEqualTo("federated-jwt");
    assertThat(created.getAttributes()).containsEntry("jwt.credential.issuer", "kubernetes")
        .containsEntry("jwt.credential.sub", "system:serviceaccount:team-a:scorer");
    created.setId("uuid-1");
    assertThat(ClientDiff.update(bound, created)).isNull();

    ClientRepresentation otherAccount = ClientDiff.create(bound);
    otherAccount.setId("uuid-1");
    attribute(otherAccount, "jwt.credential.sub", "system:serviceaccount:team-a:other");
    assertThat(ClientDiff.update(bound, otherAccount).getAttributes())
        .containsEntry("jwt.credential.sub", "system:serviceaccount:team-a:scorer");

    DesiredClient secret = new DesiredClient("apps", "team-a.scorer", null, false, false, false, List.of(), List.of(), null,
        new TreeSet<>(), new TreeSet<>(), new TreeMap<>(), null, null, MARK);
    ClientRepresentation back = ClientDiff.update(secret, created);
    assertThat(back.getClientAuthenticatorType()).isEqualTo("client-secret");
    assertThat(back.getAttributes()).containsEntry("jwt.credential.issuer", "").containsEntry("jwt.credential.sub", "");
    assertThat(ClientDiff.update(secret, merged(created, back))).isNull();
  }

  private static Arguments row(String what, Consumer<ClientRepresentation> change, boolean writes) {
    return Arguments.of(what, change, writes);
  }

  private static void attribute(ClientRepresentation client, String name, String value) {
    Map<String, String> attributes = new HashMap<>(client.getAttributes());
    attributes.put(name, value);
    client.setAttributes(attributes);
  }

  /** Keycloak's answer after a PUT: the update's fields over the client's, empty attributes removed. */
  private static ClientRepresentation merged(ClientRepresentation existing, ClientRepresentation update) {
    Map<String, String> attributes = new HashMap<>(update.getAttributes());
    attributes.values().removeIf(String::isEmpty);
    update.setAttributes(attributes);
    return update;
  }
}
