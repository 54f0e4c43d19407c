package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.api.Reasons;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecretTemplatesTest {

  private static final List<String> KEYS = List.of("access_token", "token_type", "expires_at", "scope", "id_token");
  private static final Map<String, String> DATA = Map.of("access_token", "a<b>&'c\"", "token_type", "Bearer",
      "expires_at", "2026-11-23T13:00:00Z");

  static Stream<Arguments> rendered() {
    return Stream.of(
        Arguments.of("Bearer {{access_token}}", "Bearer a<b>&'c\""), // no HTML escaping
        Arguments.of("{{{access_token}}}", "a<b>&'c\""),
        Arguments.of("TOKEN={{access_token}}\nEXPIRES={{expires_at}}\n",
            "TOKEN=a<b>&'c\"\nEXPIRES=2026-11-23T13:00:00Z\n"),
        Arguments.of("{{token_type}} {{access_token}}", "Bearer a<b>&'c\""),
        Arguments.of("no variables", "no variables"));
  }

  @ParameterizedTest
  @MethodSource
  void rendered(String template, String expected) {
    SecretTemplates.check(Map.of("out", template), KEYS);
    assertThat(SecretTemplates.render(Map.of("out", template), DATA)).containsExactlyEntriesOf(Map.of("out", expected));
  }

  /** Refused when checked against the kind's keys (before any request): what the message says. */
  static Stream<Arguments> invalidSpec() {
    return Stream.of(
        Arguments.of("out", "Bearer {{nope}}", "secret.template.data.out: the template names 'nope'"),
        Arguments.of("out", "{{#nope}}x{{/nope}}", "secret.template.data.out: the template names 'nope'"),
        Arguments.of("out", "{{access_token.length}}", "names 'access_token.length'"),
        Arguments.of("out", "{{#access_token}}x", "secret.template.data.out: the template does not parse"),
        Arguments.of("out", "{{#scope}}x{{/other}}", "secret.template.data.out: the template does not parse"),
        Arguments.of("out", "{{> partial}}", "secret.template.data.out: the template includes a partial"),
        Arguments.of("access_token", "Bearer {{access_token}}",
            "secret.template.data.access_token: the template would replace a standard key"),
        Arguments.of("a/b", "x", "'a/b' is not a valid Secret key"));
  }

  @ParameterizedTest
  @MethodSource
  void invalidSpec(String key, String template, String message) {
    assertThatThrownBy(() -> SecretTemplates.check(Map.of(key, template), KEYS))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC);
          assertThat(e.isRetryable()).isFalse();
          assertThat(e.getMessage()).contains(message);
        });
  }

  @ParameterizedTest
  @MethodSource("renderFailures")
  void aKeyTheSecretDoesNotHoldIsInvalidSpecWhenRenderedAndNoValueIsShown(String key, String template, String message) {
    assertThatThrownBy(() -> SecretTemplates.render(Map.of(key, template), DATA))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC);
          assertThat(e.getMessage()).contains(message).doesNotContain(DATA.get("access_token"));
        });
  }

  static Stream<Arguments> renderFailures() {
    return Stream.of(
        Arguments.of("out", "{{access_token}} {{scope}}", "secret.template.data.out: the template names 'scope', which this Secret does not hold"),
        Arguments.of("out", "{{#id_token}}x{{/id_token}}", "names 'id_token'"),
        Arguments.of("token_type", "{{access_token}}", "secret.template.data.token_type: the template would replace a standard key"));
  }
}
