package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RolePolicyTest {

  private final RolePolicy policy = new RolePolicy(List.of("researcher", "team-*", "model-registry/*", "billing/read"));

  @Test
  void grantsRealmRolesMatchingAPattern() {
    assertThat(policy.rejectRealmRole("apps", "researcher")).isEmpty();
    assertThat(policy.rejectRealmRole("apps", "team-a")).isEmpty();
    assertThat(policy.rejectRealmRole("apps", "researchers")).isPresent();
    assertThat(policy.rejectRealmRole("apps", "operator")).get().asString().contains("KEYMINT_GRANTABLE_ROLES");
  }

  @Test
  void grantsClientRolesMatchingAPattern() {
    assertThat(policy.rejectClientRole("apps", "model-registry", "viewer")).isEmpty();
    assertThat(policy.rejectClientRole("apps", "billing", "read")).isEmpty();
    assertThat(policy.rejectClientRole("apps", "billing", "write")).isPresent();
    assertThat(policy.rejectClientRole("apps", "model-registry-2", "viewer")).isPresent();
  }

  @Test
  void neverGrantsAdministrativeRolesWhateverThePatterns() {
    RolePolicy everything = new RolePolicy(List.of("*", "*/*", "realm-management/*"));
    assertThat(everything.rejectRealmRole("apps", "anything")).isEmpty();
    assertThat(everything.rejectRealmRole("apps", "admin")).get().asString().contains("administrative");
    assertThat(everything.rejectClientRole("apps", "realm-management", "realm-admin")).isPresent();
    assertThat(everything.rejectClientRole("apps", "realm-management", "manage-users")).isPresent();
    assertThat(everything.rejectClientRole("master", "apps-realm", "manage-clients")).isPresent();
    assertThat(everything.rejectClientRole("apps", "some-realm", "x")).as("only master has per-realm admin clients").isEmpty();
  }

  @Test
  void anEmptyPolicyGrantsNothing() {
    RolePolicy none = new RolePolicy(List.of());
    assertThat(none.rejectRealmRole("apps", "researcher")).get().asString().contains("empty");
    assertThat(none.rejectClientRole("apps", "x", "y")).isPresent();
  }

  @Test
  void aStarDoesNotCrossTheClientRoleSlash() {
    RolePolicy realmOnly = new RolePolicy(List.of("*"));
    assertThat(realmOnly.rejectClientRole("apps", "model-registry", "viewer")).isPresent();
  }
}
