package io.keymint.apptoken;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.keymint.api.Condition;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.clientapp.ClientApplicationStatus;
import io.keymint.config.OperatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AudienceTest {

  private static final OperatorConfig CONFIG = OperatorConfig.load(Map.of(
      "KEYMINT_KEYCLOAK_URL", "https://kc.example", "KEYMINT_KEYCLOAK_REALM", "apps",
      "KEYMINT_KEYCLOAK_CLIENT_ID", "keymint", "KEYMINT_KEYCLOAK_CLIENT_SECRET", "s"));

  private static final AppToken TOKEN = token();

  private static AppToken token() {
    AppToken token = new AppToken();
    token.getMetadata().setName("scorer");
    token.getMetadata().setNamespace("team-a");
    token.setSpec(new AppTokenSpec());
    token.getSpec().audience = new AppTokenSpec.Audience();
    token.getSpec().audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", "a").build();
    token.getSpec().audience.roles = List.of("read");
    return token;
  }

  /** An application; state is one of ready, stalled, provisioning, behind (status of an older generation). */
  private static ClientApplication app(String name, String namespace, String group, List<String> roles, String state) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.getMetadata().setUid("uid-" + name);
    app.getMetadata().setGeneration(2L);
    app.getMetadata().setLabels(Map.of("group", group));
    app.setSpec(new ClientApplicationSpec());
    app.getSpec().roles = roles;
    ClientApplicationStatus status = new ClientApplicationStatus();
    status.observedGeneration = state.equals("behind") ? 1L : 2L;
    status.clientId = "named-in-status-" + name; // never trusted
    status.conditions = List.of(
        new Condition(Condition.READY, state.equals("ready") || state.equals("behind") ? "True" : "False", "R", "", null, 2L),
        new Condition(Condition.STALLED, state.equals("stalled") ? "True" : "False", "R", "", null, 2L));
    app.setStatus(status);
    return app;
  }

  @Test
  void membersAreMatchingProvisionedApplicationsOfTheNamespaceThatDeclareARequestedRole() {
    Audience audience = Audience.of(TOKEN, List.of(
        app("b-ready", "team-a", "a", List.of("read", "write"), "ready"),
        app("a-ready", "team-a", "a", List.of("read"), "ready"),
        app("other-group", "team-a", "b", List.of("read"), "ready"),
        app("no-such-role", "team-a", "a", List.of("write"), "ready"),
        app("other-namespace", "team-b", "a", List.of("read"), "ready")), CONFIG);
    assertThat(audience.names()).containsExactly("a-ready", "b-ready");
    assertThat(audience.pending()).isEmpty();
    assertThat(audience.grants()).containsOnlyKeys("team-a.a-ready", "team-a.b-ready");
    assertThat(audience.grants().get("team-a.b-ready")).containsExactly("read");
    assertThat(audience.owners()).containsEntry("team-a.a-ready", "uid-a-ready");
    assertThat(audience.realms()).containsExactly("apps");
  }

  @Test
  void theClientIsTheOneTheSpecNamesNeverAStatusField() {
    ClientApplication app = app("x", "team-a", "a", List.of("read"), "ready");
    app.getSpec().clientId = "custom-id";
    assertThat(Audience.of(TOKEN, List.of(app), CONFIG).grants()).containsOnlyKeys("custom-id");
  }

  @Test
  void applicationsStillBeingProvisionedArePendingAndStalledOnesAreLeftOut() {
    Audience audience = Audience.of(TOKEN, List.of(
        app("ready", "team-a", "a", List.of("read"), "ready"),
        app("provisioning", "team-a", "a", List.of("read"), "provisioning"),
        app("behind", "team-a", "a", List.of("read"), "behind"),
        app("stalled", "team-a", "a", List.of("read"), "stalled")), CONFIG);
    assertThat(audience.names()).containsExactly("ready");
    assertThat(audience.pending()).containsExactly("behind", "provisioning");
    assertThat(audience.stalled()).containsExactly("stalled");
  }

  @Test
  void anApplicationWithoutStatusIsPending() {
    ClientApplication fresh = app("fresh", "team-a", "a", List.of("read"), "ready");
    fresh.setStatus(null);
    assertThat(Audience.of(TOKEN, List.of(fresh), CONFIG).pending()).containsExactly("fresh");
  }
}
