package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keymint.api.Reasons;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
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
        Arguments.of("{{#token_type}}[{{access_token}}]{{/token_type}}", "[a<b>&'c\"]"), // a string's section: once
        Arguments.of("{{^token_type}}no type{{/token_type}}", ""),
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

  /** What the limits let through and what they refuse, decided before rendering. */
  static Stream<Arguments> limits() {
    int kib64 = 64 * 1024;
    String token = "t".repeat(kib64 - "Bearer ".length()); // "Bearer {{access_token}}" renders exactly 64 KiB
    return Stream.of(
        Arguments.of(Map.of("authorization", "Bearer {{access_token}}"), token, null),
        Arguments.of(Map.of("authorization", "Bearer {{access_token}}"), token + "t",
            "secret.template.data.authorization: the template would render 65 KiB with the values it names;"
                + " a template renders at most 64 KiB"),
        Arguments.of(Map.of("once", "{{#scope}}{{access_token}}{{/scope}}"), "t".repeat(kib64), null),
        Arguments.of(Map.of("twice", "{{access_token}}{{access_token}}"), "t".repeat(kib64 / 2 + 1),
            "secret.template.data.twice: the template would render 65 KiB"),
        Arguments.of(Map.of("utf8", "{{access_token}}"), "\u00e9".repeat(kib64 / 2 + 1),
            "secret.template.data.utf8: the template would render 65 KiB"), // two bytes each
        Arguments.of(Map.of("many", "{{access_token}}".repeat(500)), "t".repeat(100 * 1024),
            "secret.template.data.many: the template would render 49 MiB"),
        Arguments.of(keys(8, "{{access_token}}"), "t".repeat(56 * 1024), null), // 505 KiB with the standard keys
        Arguments.of(keys(9, "{{access_token}}"), "t".repeat(56 * 1024),
            "secret.template.data: with the rendered keys the Secret would hold 561 KiB; a Secret holds at most 512 KiB"),
        Arguments.of(keys(17, "x"), "t", "secret.template.data has 17 templates; at most 16"),
        Arguments.of(Map.of("long", "x".repeat(8193)), "t", "secret.template.data.long: the template is 8193 characters long;"
            + " at most 8192"));
  }

  @ParameterizedTest
  @MethodSource
  void limits(Map<String, String> templates, String accessToken, String refused) {
    Map<String, String> data = Map.of("access_token", accessToken, "scope", "openid");
    if (refused == null) {
      assertThat(SecretTemplates.render(templates, data)).hasSize(templates.size());
      return;
    }
    assertThatThrownBy(() -> SecretTemplates.render(templates, data)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC);
      assertThat(e.isRetryable()).isFalse();
      assertThat(e.getMessage()).startsWith(refused).doesNotContain(accessToken.substring(0, 1).repeat(16));
    });
  }

  private static Map<String, String> keys(int n, String template) {
    return IntStream.range(0, n).boxed().collect(Collectors.toMap(i -> "k" + i, i -> template));
  }

  /** A template that would render 50 MiB is refused having allocated a small fraction of one MiB. */
  @Test
  void anAmplifyingTemplateIsRefusedBeforeMemoryIsSpentOnIt() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    Map<String, String> templates = Map.of("amplified", "{{access_token}}".repeat(500)); // 8,000 characters
    Map<String, String> data = new HashMap<>(Map.of("access_token", "t".repeat(100 * 1024), "token_type", "Bearer"));
    for (int warm = 0; warm < 3; warm++) { // classes loaded, code compiled
      refused(templates, data);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    refused(templates, data);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated to refuse a 50 MiB render").isLessThan(1024 * 1024);
  }

  private static void refused(Map<String, String> templates, Map<String, String> data) {
    try {
      SecretTemplates.render(templates, data);
      throw new AssertionError("rendered");
    } catch (ReconcileException e) {
      assertThat(e.getMessage()).startsWith("secret.template.data.amplified: the template would render 49 MiB");
    }
  }
}
