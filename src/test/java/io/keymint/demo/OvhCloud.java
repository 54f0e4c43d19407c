package io.keymint.demo;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.apptoken.AppToken;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.oauth.Jwt;
import io.keymint.testing.KeymintFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * OVHcloud AI Apps: scoped tokens over every application of a group, "including the ones submitted
 * after". Keymint's own ClientApplications and audience AppTokens, so the sample runs as it is; the
 * demo then submits one more {@code group=a} application and shows it joining the scoped token.
 */
final class OvhCloud implements Platform {

  static final String NAMESPACE = "team-a";
  static final String SCOPED_TOKEN = "group-a-read-only";
  static final String LATE_APPLICATION = "reporting-api";

  @Override
  public String sample() {
    return "ovhcloud";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    return LINE.formatted("OVHcloud", "realm " + LocalKeycloak.KEYMINT_REALM
        + "; the sample as it is, and one more group=a application submitted later");
  }

  /** Submits a new group=a application and waits until the scoped token's audience holds it. */
  Step lateApplicationJoins(KeymintFixture keymint) throws InterruptedException {
    KubernetesClient api = keymint.client();
    List<String> before = audience(keymint);
    ClientApplication late = new ClientApplication();
    late.setMetadata(new ObjectMetaBuilder().withName(LATE_APPLICATION).withNamespace(NAMESPACE)
        .withLabels(Map.of("group", "a")).build());
    late.setSpec(new ClientApplicationSpec());
    late.getSpec().roles = List.of("read", "operate");
    Instant submitted = Instant.now();
    api.resource(late).create();
    Instant deadline = submitted.plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      ClientApplication app = api.resources(ClientApplication.class).inNamespace(NAMESPACE).withName(LATE_APPLICATION).get();
      String clientId = app.getStatus() == null ? null : app.getStatus().clientId;
      List<String> now = audience(keymint);
      if (clientId != null && now.contains(clientId) && everyAudienceTokenHas(keymint, LATE_APPLICATION)) {
        List<String> added = new ArrayList<>(now);
        added.removeAll(before);
        return new Step(true, "Joined", "ClientApplication " + LATE_APPLICATION + " (group=a) submitted; "
            + Duration.between(submitted, Instant.now()).toMillis() / 100 / 10.0 + " s later AppToken " + SCOPED_TOKEN
            + "'s audience is " + String.join(", ", before) + " + " + String.join(", ", added));
      }
      Thread.sleep(250);
    }
    return new Step(false, "Joined", "ClientApplication " + LATE_APPLICATION + " is not in AppToken " + SCOPED_TOKEN
        + "'s audience after 60 s");
  }

  /**
   * Whether every audience AppToken selecting group=a is Ready and minted with the application: the
   * step reports the scoped token, and the demo's table that follows shows them all.
   */
  private static boolean everyAudienceTokenHas(KeymintFixture keymint, String application) {
    return keymint.client().resources(AppToken.class).inNamespace(NAMESPACE).list().getItems().stream()
        .filter(t -> t.getSpec() != null && t.getSpec().audience != null)
        .allMatch(t -> t.getStatus() != null && t.getStatus().isReady() && t.getStatus().matchedApplications != null
            && t.getStatus().matchedApplications.contains(application));
  }

  /** The aud claim of the scoped token in its Secret, as long as the status agrees with it. */
  private static List<String> audience(KeymintFixture keymint) {
    AppToken token = keymint.get(AppToken.class, NAMESPACE, SCOPED_TOKEN);
    if (token == null || token.getStatus() == null || token.getStatus().secretName == null) {
      return List.of();
    }
    Map<String, String> data = keymint.secretData(NAMESPACE, token.getStatus().secretName);
    List<String> claimed = data == null ? List.of() : Jwt.audiences(Jwt.claims(data.get("access_token")));
    List<String> status = token.getStatus().audiences == null ? List.of() : token.getStatus().audiences;
    return new TreeSet<>(claimed).equals(new TreeSet<>(status)) ? List.copyOf(new TreeSet<>(claimed)) : List.of();
  }
}
