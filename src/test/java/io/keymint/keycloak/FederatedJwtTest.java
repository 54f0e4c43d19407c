package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.kube.ReconcileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.representations.idm.AuthenticationExecutionInfoRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;

/** The realm's identity provider for the cluster and its client authentication flow, decided without Keycloak. */
class FederatedJwtTest {

  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private static final FederatedJwt BINDING = new FederatedJwt("kubernetes", "system:serviceaccount:team-a:scorer");
  private static final OwnerMark MARK = new OwnerMark("uid-1", "ClientApplication", "team-a", "scorer");

  static Stream<Arguments> providers() {
    return Stream.of(
        Arguments.of("none", null, "CREATE"),
        Arguments.of("Keymint's, as wanted", provider("kubernetes", ISSUER, true, true), "KEEP"),
        Arguments.of("Keymint's, another issuer", provider("kubernetes", "https://old.example", true, true), "UPDATE"),
        Arguments.of("Keymint's, disabled", provider("kubernetes", ISSUER, false, true), "UPDATE"),
        Arguments.of("an administrator's, for this issuer", provider("kubernetes", ISSUER, true, false), "KEEP"),
        Arguments.of("an administrator's, another issuer", provider("kubernetes", "https://other.example", true, false),
            "IdentityProviderConflict"),
        Arguments.of("an administrator's, disabled", provider("kubernetes", ISSUER, false, false), "IdentityProviderConflict"),
        Arguments.of("an administrator's OIDC broker", provider("oidc", ISSUER, true, false), "IdentityProviderConflict"),
        Arguments.of("an OIDC broker marked as Keymint's", provider("oidc", ISSUER, true, true), "IdentityProviderConflict"));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("providers")
  void keymintCreatesItsOwnKeepsWhatTrustsTheClusterAndNeverChangesSomeoneElses(String what,
      IdentityProviderRepresentation existing, String expected) {
    if (expected.equals("IdentityProviderConflict")) {
      assertThatThrownBy(() -> FederatedJwt.providerAction(existing, "apps", "kubernetes", ISSUER))
          .isInstanceOfSatisfying(ReconcileException.class, e -> {
            assertThat(e.reason()).isEqualTo(expected);
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.getMessage()).contains("'kubernetes'", "realm 'apps'", "leaves this one untouched",
                "KEYMINT_KUBERNETES_IDP_ALIAS");
          });
    } else {
      assertThat(FederatedJwt.providerAction(existing, "apps", "kubernetes", ISSUER).name()).isEqualTo(expected);
    }
  }

  @Test
  void theProviderKeymintWantsKeepsWhatElseItHolds() {
    IdentityProviderRepresentation created = FederatedJwt.desiredProvider(null, "kubernetes", ISSUER);
    assertThat(created.getAlias()).isEqualTo("kubernetes");
    assertThat(created.getProviderId()).isEqualTo("kubernetes");
    assertThat(created.isEnabled()).isTrue();
    assertThat(created.getConfig()).containsOnly(Map.entry("issuer", ISSUER), Map.entry("keymint.io/owner", "keymint"));

    IdentityProviderRepresentation old = provider("kubernetes", "https://old.example", false, true);
    old.getConfig().put("allowedClockSkew", "30");
    IdentityProviderRepresentation updated = FederatedJwt.desiredProvider(old, "kubernetes", ISSUER);
    assertThat(updated.getConfig()).containsEntry("issuer", ISSUER).containsEntry("allowedClockSkew", "30");
    assertThat(updated.isEnabled()).isTrue();
  }

  @Test
  void anotherProviderTrustingTheIssuerIsNamed() {
    IdentityProviderRepresentation k8s = provider("kubernetes", ISSUER, true, false);
    k8s.setAlias("k8s");
    IdentityProviderRepresentation google = provider("oidc", "https://accounts.google.com", true, false);
    google.setAlias("google");
    List<IdentityProviderRepresentation> providers = List.of(k8s, google);
    assertThat(FederatedJwt.issuerTakenBy(providers, "apps", "kubernetes", ISSUER))
        .isNotNull().hasMessageContaining("'k8s'").hasMessageContaining("KEYMINT_KUBERNETES_IDP_ALIAS=k8s");
    assertThat(FederatedJwt.issuerTakenBy(providers, "apps", "k8s", ISSUER)).as("its own alias").isNull();
    assertThat(FederatedJwt.issuerTakenBy(providers, "apps", "kubernetes", "https://other.example")).isNull();
  }

  @Test
  void realmsFromBeforeKeycloak26_6LackTheFederatedStep() {
    List<AuthenticationExecutionInfoRepresentation> since26_6 = List.of(step("client-secret", "ALTERNATIVE"),
        step("client-jwt", "ALTERNATIVE"), step("federated-jwt", "ALTERNATIVE"));
    assertThat(FederatedJwt.stepEnabled(since26_6)).isTrue();
    assertThat(FederatedJwt.stepEnabled(List.of(step("client-secret", "ALTERNATIVE"), step("client-jwt", "ALTERNATIVE"))))
        .isFalse();
    assertThat(FederatedJwt.stepEnabled(List.of(step("federated-jwt", "DISABLED")))).as("added but not enabled").isFalse();
    assertThat(FederatedJwt.stepEnabled(List.of(step("federated-jwt", "REQUIRED")))).isTrue();
    assertThat(FederatedJwt.stepMissing("apps", "clients")).hasMessageContaining("'Signed JWT - Federated'")
        .hasMessageContaining("Keycloak 26.6").hasMessageContaining("flow 'clients'");
  }

  @Test
  void otherClientsBoundToTheSameWorkloadAreFoundOursIsNot() {
    ClientRepresentation ours = client("team-a.scorer", BINDING.attributes(), MARK);
    ClientRepresentation twin = client("team-a.twin", BINDING.attributes(),
        new OwnerMark("uid-2", "ClientApplication", "team-a", "twin"));
    ClientRepresentation manual = client("team-a.scorer", BINDING.attributes(), null);
    ClientRepresentation otherAccount = client("team-a.other",
        new FederatedJwt("kubernetes", "system:serviceaccount:team-a:other").attributes(), null);
    ClientRepresentation prefix = client("team-a.x",
        new FederatedJwt("kubernetes", "system:serviceaccount:team-a:scorer2").attributes(), null);
    assertThat(BINDING.boundElsewhere(List.of(ours, otherAccount, prefix), "team-a.scorer", MARK)).isEmpty();
    assertThat(BINDING.boundElsewhere(List.of(ours, twin), "team-a.scorer", MARK)).containsExactly("team-a.twin");
    assertThat(BINDING.boundElsewhere(List.of(manual), "team-a.scorer", MARK))
        .as("a client of that clientId without our mark").containsExactly("team-a.scorer");
  }

  private static IdentityProviderRepresentation provider(String type, String issuer, boolean enabled, boolean keymints) {
    IdentityProviderRepresentation provider = new IdentityProviderRepresentation();
    provider.setAlias("kubernetes");
    provider.setProviderId(type);
    provider.setEnabled(enabled);
    Map<String, String> config = new HashMap<>(Map.of("issuer", issuer));
    if (keymints) {
      config.put("keymint.io/owner", "keymint");
    }
    provider.setConfig(config);
    return provider;
  }

  private static AuthenticationExecutionInfoRepresentation step(String provider, String requirement) {
    AuthenticationExecutionInfoRepresentation step = new AuthenticationExecutionInfoRepresentation();
    step.setProviderId(provider);
    step.setRequirement(requirement);
    return step;
  }

  private static ClientRepresentation client(String clientId, Map<String, String> binding, OwnerMark owner) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    Map<String, String> attributes = new HashMap<>(binding);
    if (owner != null) {
      attributes.putAll(owner.attributes());
    }
    client.setAttributes(attributes);
    return client;
  }
}
