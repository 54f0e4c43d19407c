package io.keymint.demo;

import io.keymint.api.KeymintStatus;
import io.keymint.api.TokenStatus;
import io.keymint.clientapp.ClientApplicationStatus;
import io.keymint.oauth.Jwt;
import io.keymint.testing.KeymintFixture;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The resources, each with its Ready condition and, for tokens, the claims that matter decoded from
 * the token in its Secret: who it is for, its roles, its audience, its expiry. Never a token.
 */
final class Table {

  private static final List<String> HEADER = List.of("KIND", "NAME", "READY", "EXPIRES", "USER / CLIENT", "ROLES", "AUDIENCE");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private Table() {}

  static void print(PrintStream out, KeymintFixture keymint, List<Applied> resources) {
    boolean oneNamespace = resources.stream().map(Applied::namespace).distinct().count() == 1;
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (Applied resource : resources) {
      List<String> row = new ArrayList<>(List.of(resource.kind(),
          oneNamespace ? resource.name() : resource.namespace() + "/" + resource.name(), resource.readiness(keymint.client())));
      row.addAll(claims(keymint, resource));
      rows.add(row);
    }
    int[] widths = new int[HEADER.size()];
    rows.forEach(row -> {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    });
    out.println();
    if (oneNamespace && !resources.isEmpty()) {
      out.println("  namespace " + resources.get(0).namespace() + ", times UTC");
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder(" ");
      for (int i = 0; i < row.size(); i++) {
        line.append(' ').append(i == row.size() - 1 ? row.get(i) : String.format("%-" + widths[i] + "s", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
    out.println();
  }

  /** EXPIRES, USER / CLIENT, ROLES, AUDIENCE. */
  private static List<String> claims(KeymintFixture keymint, Applied resource) {
    KeymintStatus status = resource.status(keymint.client());
    if (status instanceof ClientApplicationStatus app) {
      return List.of("", orDash(app.clientId), "", "");
    }
    if (!(status instanceof TokenStatus token) || token.secretName == null) {
      return List.of("", "", "", "");
    }
    Map<String, String> data = keymint.secretData(resource.namespace(), token.secretName);
    Map<String, Object> claims = Jwt.claims(data == null ? null : data.get("access_token"));
    Object exp = claims.get("exp");
    String expires = exp instanceof Number n ? TIME.format(Instant.ofEpochSecond(n.longValue()))
        : token.expiresAt == null ? "" : TIME.format(Instant.parse(token.expiresAt));
    String who = "AppToken".equals(resource.kind()) ? first(claims, "azp", "client_id")
        : first(claims, "preferred_username", "email", "sub");
    return List.of(expires, who, String.join(", ", roles(claims)), orDash(String.join(", ", new TreeSet<>(Jwt.audiences(claims)))));
  }

  /** Realm roles and client roles, by name. */
  @SuppressWarnings("unchecked")
  private static TreeSet<String> roles(Map<String, Object> claims) {
    TreeSet<String> roles = new TreeSet<>();
    if (claims.get("realm_access") instanceof Map<?, ?> realm && realm.get("roles") instanceof List<?> list) {
      list.forEach(r -> roles.add(String.valueOf(r)));
    }
    if (claims.get("resource_access") instanceof Map<?, ?> clients) {
      clients.values().forEach(access -> {
        if (((Map<String, Object>) access).get("roles") instanceof List<?> list) {
          list.forEach(r -> roles.add(String.valueOf(r)));
        }
      });
    }
    if (roles.isEmpty()) {
      roles.add("-");
    }
    return roles;
  }

  private static String first(Map<String, Object> claims, String... names) {
    for (String name : names) {
      if (claims.get(name) != null) {
        return String.valueOf(claims.get(name));
      }
    }
    return "-";
  }

  private static String orDash(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }
}
