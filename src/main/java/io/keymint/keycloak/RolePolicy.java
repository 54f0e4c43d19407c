package io.keymint.keycloak;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which roles a ClientApplication may grant its service account: those matching
 * {@code KEYMINT_GRANTABLE_ROLES} ({@code researcher}, {@code model-registry/viewer},
 * {@code model-registry/*}), and never an administrative role, whatever the patterns say.
 * Administrative means: any role of the {@code realm-management} client, the {@code admin} realm
 * role, and in the master realm the roles of the per-realm admin clients ({@code <realm>-realm}).
 * An empty pattern list grants nothing. The same test is applied to every role a requested role
 * contains (composites), by the gateway, so a harmless-looking composite cannot smuggle admin in.
 */
public final class RolePolicy {

  public static final String REALM_MANAGEMENT = "realm-management";
  public static final String ADMIN_REALM_ROLE = "admin";

  private final List<String> patterns;
  private final List<Pattern> realmRolePatterns;
  private final List<Pattern> clientRolePatterns;

  public RolePolicy(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    this.realmRolePatterns = patterns.stream().filter(p -> !p.contains("/")).map(RolePolicy::glob).toList();
    this.clientRolePatterns = patterns.stream().filter(p -> p.contains("/")).map(RolePolicy::glob).toList();
  }

  /** Why this realm role may not be granted, or empty when it may. */
  public Optional<String> rejectRealmRole(String realm, String role) {
    if (isAdministrativeRealmRole(role)) {
      return Optional.of("realm role '" + role + "' is administrative and never grantable");
    }
    if (realmRolePatterns.stream().noneMatch(p -> p.matcher(role).matches())) {
      return Optional.of("realm role '" + role + "' is not in KEYMINT_GRANTABLE_ROLES " + describePatterns());
    }
    return Optional.empty();
  }

  /** Why this client role may not be granted, or empty when it may. */
  public Optional<String> rejectClientRole(String realm, String client, String role) {
    if (isAdministrativeClient(realm, client)) {
      return Optional.of("roles of client '" + client + "' are administrative and never grantable");
    }
    String name = client + "/" + role;
    if (clientRolePatterns.stream().noneMatch(p -> p.matcher(name).matches())) {
      return Optional.of("client role '" + name + "' is not in KEYMINT_GRANTABLE_ROLES " + describePatterns());
    }
    return Optional.empty();
  }

  public static boolean isAdministrativeRealmRole(String role) {
    return ADMIN_REALM_ROLE.equals(role);
  }

  public static boolean isAdministrativeClient(String realm, String client) {
    return REALM_MANAGEMENT.equals(client) || ("master".equals(realm) && client.endsWith("-realm"));
  }

  private String describePatterns() {
    return patterns.isEmpty() ? "(empty: no role is grantable)" : patterns.toString();
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append("[^/]*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }
}
