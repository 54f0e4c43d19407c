package io.keymint.token;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which external token endpoints Keymint may send credentials to: https only (unless
 * KEYMINT_ALLOW_HTTP), and only hosts in KEYMINT_TOKEN_URL_HOSTS when that is set. A host
 * pattern may start with {@code *.} to allow subdomains. Pure.
 */
public final class TokenUrlPolicy {

  private final List<String> hosts;
  private final boolean allowHttp;

  public TokenUrlPolicy(List<String> hosts, boolean allowHttp) {
    this.hosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.allowHttp = allowHttp;
  }

  /** The URL, checked; throws {@code TokenEndpointNotAllowed} or {@code InvalidSpec}. */
  public URI check(String tokenUrl) {
    URI uri;
    try {
      uri = URI.create(tokenUrl);
    } catch (IllegalArgumentException e) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "tokenUrl '" + tokenUrl + "' is not a URL");
    }
    if (uri.getHost() == null || uri.getScheme() == null) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "tokenUrl '" + tokenUrl + "' is not an absolute URL");
    }
    if (uri.getUserInfo() != null) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "tokenUrl must not carry credentials");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && allowHttp)) {
      throw ReconcileException.permanent(Reasons.TOKEN_ENDPOINT_NOT_ALLOWED, "tokenUrl must use https"
          + (scheme.equals("http") ? " (plain http needs KEYMINT_ALLOW_HTTP=true on the operator)" : ""));
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (!hosts.isEmpty() && hosts.stream().noneMatch(pattern -> matches(pattern, host))) {
      throw ReconcileException.permanent(Reasons.TOKEN_ENDPOINT_NOT_ALLOWED, "host '" + host
          + "' is not in KEYMINT_TOKEN_URL_HOSTS (" + String.join(", ", hosts) + ")");
    }
    return uri;
  }

  private static boolean matches(String pattern, String host) {
    return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host);
  }
}
