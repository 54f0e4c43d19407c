package io.keymint.clientapp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which redirect URIs and web origins a ClientApplication may give its Keycloak client. Both are
 * absolute http(s) URIs with a real host: never a wildcard-only value ({@code *}, {@code /*}), never
 * a wildcard in the host ({@code https://*.example.com}), and, when {@code KEYMINT_REDIRECT_URI_HOSTS}
 * is set, only its hosts ({@code app.example.com}, or {@code *.apps.example.com} for subdomains). A
 * wildcard at the end of the path ({@code https://app.example.com/*}) is Keycloak's normal way and
 * stays allowed. A web origin may also be exactly {@code +} (the origins of the redirect URIs). Pure.
 */
public final class RedirectUriPolicy {

  static final String SETTING = "KEYMINT_REDIRECT_URI_HOSTS";
  private static final int SHOWN = 200;

  private final List<String> hosts;

  /** @param hosts KEYMINT_REDIRECT_URI_HOSTS; empty: any host */
  public RedirectUriPolicy(List<String> hosts) {
    this.hosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
  }

  /** Why this redirect URI is not allowed, or empty when it is. */
  public Optional<String> rejectRedirectUri(String value) {
    return reject("redirect URI", value, false);
  }

  /** Why this web origin is not allowed, or empty when it is. */
  public Optional<String> rejectWebOrigin(String value) {
    return "+".equals(value) ? Optional.empty() : reject("web origin", value, true);
  }

  private Optional<String> reject(String what, String value, boolean origin) {
    if (value == null || value.isBlank()) {
      return Optional.of("an empty " + what + " is not allowed");
    }
    String shown = what + " '" + (value.length() > SHOWN ? value.substring(0, SHOWN) + "..." : value) + "'";
    if (value.equals("*") || value.equals("/*")) {
      return Optional.of(shown + " is a wildcard that matches any URL");
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      return Optional.of(shown + " is not a URI");
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || !("https".equals(scheme) || "http".equals(scheme))) {
      return Optional.of(shown + " is not an absolute http(s) URI");
    }
    if (uri.getRawAuthority() != null && uri.getRawAuthority().contains("*")) {
      return Optional.of(shown + " has a wildcard in its host");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of(shown + " has no host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of(shown + " must not carry user information before the host");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of(shown + " must not have a fragment (#...)");
    }
    if (origin && (uri.getRawQuery() != null || !(uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")))) {
      return Optional.of(shown + " is not an origin: scheme://host[:port] without a path (or '+')");
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (!hosts.isEmpty() && hosts.stream().noneMatch(pattern -> matches(pattern, host))) {
      return Optional.of(shown + ": host '" + host + "' is not in " + SETTING + " (" + String.join(", ", hosts) + ")");
    }
    return Optional.empty();
  }

  private static boolean matches(String pattern, String host) {
    return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host);
  }
}
