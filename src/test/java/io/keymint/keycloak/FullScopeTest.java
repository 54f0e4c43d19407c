package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.keycloak.representations.idm.ClientRepresentation;

/** Full scope only for clients no user can get a token through; set in the same representation as the flows. */
class FullScopeTest {

  @ParameterizedTest(name = "public={0} standard={1} directAccessGrants={2}")
  @CsvSource({
      // public, standard, direct access, user-facing (and so no full scope)
      "false, false, false, false",
      "false, true,  false, true",
      "false, false, true,  true",
      "false, true,  true,  true",
      "true,  false, false, false",
      "true,  true,  false, true",
      "true,  false, true,  true",
  })
  void onlyClientsWithoutAUserFacingFlowHaveFullScope(boolean publicClient, boolean standard, boolean directAccess,
      boolean userFacing) {
    DesiredClient desired = new DesiredClient("apps", "team-a-app", null, publicClient, standard, directAccess, List.of(),
        List.of(), null, new TreeSet<>(), new TreeSet<>(List.of("researcher")), new TreeMap<>(), null, null,
        new OwnerMark("uid-1", "ClientApplication", "team-a", "app"));
    assertThat(desired.userFacing()).isEqualTo(userFacing);

    ClientRepresentation existing = new ClientRepresentation();
    existing.setId("uuid-1");
    existing.setFullScopeAllowed(userFacing); // the opposite of what it must become
    ClientRepresentation update = ClientDiff.update(desired, existing);
    assertThat(update.isFullScopeAllowed()).isEqualTo(!userFacing);
    assertThat(update.isStandardFlowEnabled()).isEqualTo(standard);
    assertThat(update.isDirectAccessGrantsEnabled()).isEqualTo(directAccess);
    assertThat(update.isImplicitFlowEnabled()).isFalse();
  }
}
