package io.keymint.keycloak;

import io.keymint.config.OperatorConfig;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The clientIds Keymint gives Keycloak clients, and which ones a namespace may choose itself.
 *
 * <p>Defaults are unambiguous: a namespace name is a DNS label and never holds a dot, so in
 * {@code <namespace>.<name>} the first dot ends the namespace, and no two (namespace, name) pairs
 * give one clientId. An audience AppToken's own client ends in {@code _token}; no Kubernetes name
 * holds an underscore, so it never meets an application's clientId either. Clients made before
 * this rule keep their {@code <namespace>-<name>} ({@code <namespace>-<name>-token}) id.
 *
 * <p>A chosen {@code spec.clientId} must match one of {@code KEYMINT_CLIENT_ID_PATTERN}'s patterns:
 * {@code *} stands for any characters, {@code {namespace}} for the resource's namespace; the default
 * {@code {namespace}.*} keeps every namespace inside its own prefix, where no other namespace's
 * defaults can be.
 */
public final class ClientIds {

  public static final String PATTERN_SETTING = "KEYMINT_CLIENT_ID_PATTERN";
  public static final String NAMESPACE_PLACEHOLDER = OperatorConfig.NAMESPACE_PLACEHOLDER;

  private ClientIds() {
  }

  /** A ClientApplication's default clientId. */
  public static String application(String namespace, String name) {
    return namespace + "." + name;
  }

  /** The clientId ClientApplications got by default before it was made unambiguous. */
  public static String legacyApplication(String namespace, String name) {
    return namespace + "-" + name;
  }

  /** The clientId of an audience AppToken's dedicated client. */
  public static String appToken(String namespace, String name) {
    return namespace + "." + name + "_token";
  }

  /** The clientId audience AppTokens' clients got before it was made unambiguous. */
  public static String legacyAppToken(String namespace, String name) {
    return namespace + "-" + name + "-token";
  }

  /** Whether a namespace may choose this clientId. */
  public static boolean allowed(List<String> patterns, String namespace, String clientId) {
    return patterns.stream().anyMatch(p -> regex(p, namespace).matcher(clientId).matches());
  }

  /** The patterns as they read for one namespace, for messages. */
  public static String describe(List<String> patterns, String namespace) {
    return String.join(", ", patterns.stream().map(p -> p.replace(NAMESPACE_PLACEHOLDER, namespace)).toList());
  }

  private static Pattern regex(String pattern, String namespace) {
    String[] literals = pattern.replace(NAMESPACE_PLACEHOLDER, namespace).split("\\*", -1);
    return Pattern.compile(Arrays.stream(literals).map(Pattern::quote).collect(Collectors.joining(".*")));
  }
}
