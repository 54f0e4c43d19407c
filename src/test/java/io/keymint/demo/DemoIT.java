package io.keymint.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.keymint.apptoken.AppToken;
import io.keymint.kube.OutputSecrets;
import io.keymint.oauth.Jwt;
import io.keymint.platformtoken.PlatformToken;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The demo end to end, as {@code mvn -Pdemo verify} runs it (on the test run's shared Keycloak):
 * checked from what it printed and from the API it ran against.
 */
class DemoIT {

  private static final List<Path> SAMPLES = List.of(Path.of("samples"));

  @Test
  void everySampleIsReadyTokensAreRefreshedALateApplicationJoinsAndNothingSecretIsPrinted() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Demo demo = new Demo(KeycloakServer.shared(), new PrintStream(printed, true, StandardCharsets.UTF_8), SAMPLES)) {
      boolean ok = demo.run();
      String output = printed.toString(StandardCharsets.UTF_8);
      assertThat(ok).as("the demo's result; it printed:%n%s", output).isTrue();

      // every sample resource Ready, in the API and in the table; nothing skipped
      List<Applied> samples = Sample.load(SAMPLES).stream().filter(Sample::isKeymint).map(Applied::of).toList();
      assertThat(samples).hasSize(18);
      for (Applied resource : samples) {
        assertThat(resource.ready(demo.api())).as(resource + " Ready in the API").isTrue();
        assertThat(output).containsPattern("(?m)^  " + resource.kind() + " +" + resource.name() + " +True/");
      }
      assertThat(output).containsPattern("(?m)^Done +in \\d+ s: 18 of 18 resources Ready, none skipped; 4 of 4 live steps")
          .doesNotContainPattern("(?im)^\\s*(skipped|NOT |FAILED)");

      // one AppToken refreshed on schedule: its token now expires later than the one in the table
      Matcher refreshed = Pattern.compile("(?m)^Refreshed +AppToken (\\S+) at \\S+ as scheduled").matcher(output);
      assertThat(refreshed.find()).as("a Refreshed line").isTrue();
      String appToken = refreshed.group(1);
      assertThat(expiryNow(demo, AppToken.class, appToken)).isAfter(expiryInTable(output, "AppToken", appToken));

      // one PlatformToken refresh-token rotation: credentialRotatedAt moved, the newest refresh token kept in the state Secret
      Matcher rotated = Pattern.compile("(?m)^Rotated +PlatformToken h2o at \\S+ as scheduled.*credentialRotatedAt (\\S+) -> (\\S+)$")
          .matcher(output);
      assertThat(rotated.find()).as("a Rotated line").isTrue();
      assertThat(LocalTime.parse(rotated.group(2))).isAfter(LocalTime.parse(rotated.group(1)));
      PlatformToken h2o = demo.api().resources(PlatformToken.class).inNamespace("team-a").withName("h2o").get();
      assertThat(Instant.parse(h2o.getStatus().credentialRotatedAt).atOffset(ZoneOffset.UTC).toLocalTime())
          .isAfterOrEqualTo(LocalTime.parse(rotated.group(2)));
      String kept = data(demo, "h2o-keymint-state").get("refresh_token");
      assertThat(kept).isNotBlank().isNotEqualTo(data(demo, "h2o-platform-token").get("token"));

      // the scoped token's audience grew by the application submitted after it
      assertThat(output).containsPattern("(?m)^Joined +ClientApplication reporting-api \\(group=a\\) submitted; .* \\+ team-a\\.reporting-api$");
      AppToken scoped = demo.api().resources(AppToken.class).inNamespace("team-a").withName("group-a-read-only").get();
      assertThat(scoped.getStatus().matchedApplications).contains("reporting-api", "notebook-api", "inference-api");
      assertThat(Jwt.audiences(Jwt.claims(data(demo, scoped.getStatus().secretName).get("access_token"))))
          .contains("team-a.reporting-api", "team-a.notebook-api", "team-a.inference-api");

      // the Deployment bound to its ServiceAccount: its projected token was accepted, its application's Secret holds no credential
      assertThat(output).containsPattern("(?m)^Keyless +Deployment model-server \\(ServiceAccount model-server\\): .* got a"
          + " token for team-a\\.model-server \\(.*researcher.*\\); Secret model-server-client holds no credential$");
      assertThat(data(demo, "model-server-client")).doesNotContainKeys("client_secret", "private_key")
          .containsEntry("token_endpoint_auth_method", "federated_jwt");

      // no token, credential or secret in the output (nor in the log)
      Set<String> secrets = new HashSet<>(KeymintFixture.SECRETS_SEEN);
      for (Secret secret : demo.api().secrets().inAnyNamespace().list().getItems()) {
        OutputSecrets.decode(secret).forEach((key, value) -> {
          if (!List.of("token_type", "expires_at", "scope", "client_id", "issuer_url", "token_url", "realm", "username",
              "key_id", "token_endpoint_auth_method", "audience").contains(key)) {
            secrets.add(value);
          }
        });
      }
      secrets.removeIf(value -> value == null || value.length() < 8);
      assertThat(secrets).hasSizeGreaterThan(20);
      assertThat(secrets.stream().filter(output::contains)).as("secret values in the output").isEmpty();
      assertThat(LogCapture.linesContainingAny(secrets)).as("secret values in the log").isEmpty();
    }
  }

  private static Map<String, String> data(Demo demo, String secret) {
    return OutputSecrets.decode(demo.api().secrets().inNamespace("team-a").withName(secret).get());
  }

  private static LocalTime expiryNow(Demo demo, Class<AppToken> type, String name) {
    AppToken token = demo.api().resources(type).inNamespace("team-a").withName(name).get();
    Number exp = (Number) Jwt.claims(data(demo, token.getStatus().secretName).get("access_token")).get("exp");
    return Instant.ofEpochSecond(exp.longValue()).atOffset(ZoneOffset.UTC).toLocalTime();
  }

  private static LocalTime expiryInTable(String output, String kind, String name) {
    Matcher row = Pattern.compile("(?m)^  " + kind + " +" + name + " +True/\\S+ +(\\d\\d:\\d\\d:\\d\\d) ").matcher(output);
    assertThat(row.find()).as(kind + " " + name + " in the table with an expiry").isTrue();
    return LocalTime.parse(row.group(1));
  }
}
