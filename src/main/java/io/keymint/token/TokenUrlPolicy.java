package io.keymint.token;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which external token endpoints Keymint may send credentials to.
 *
 * <p>{@link #check} is pure: https only (unless KEYMINT_ALLOW_HTTP), and only hosts in
 * KEYMINT_TOKEN_URL_HOSTS when that is set; a host pattern may start with {@code *.} to allow
 * subdomains.
 *
 * <p>{@link #checkAddress} is the address rule, applied right before a request is sent: a host that
 * is an IP literal, or that resolves to a loopback, link-local (cloud metadata), unspecified,
 * multicast, private, CGNAT or unique-local address (also inside an IPv4-mapped IPv6 address) is
 * refused unless that exact host is listed in KEYMINT_TOKEN_URL_HOSTS. Its messages never say
 * what a host resolved to, nor whether anything answered there.
 */
public final class TokenUrlPolicy {

  /** How host names become addresses; {@link InetAddress#getAllByName} outside tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  static final String SETTING = "KEYMINT_TOKEN_URL_HOSTS";
  /** The last label of an IPv4 literal in any form the resolver accepts: 10.1.2.3, 2130706433, 0x7f.1. */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("(0x[0-9a-f]*|[0-9]+)");

  private final List<String> hosts;
  private final boolean allowHttp;
  private final Resolver resolver;

  public TokenUrlPolicy(List<String> hosts, boolean allowHttp) {
    this(hosts, allowHttp, InetAddress::getAllByName);
  }

  public TokenUrlPolicy(List<String> hosts, boolean allowHttp, Resolver resolver) {
    this.hosts = hosts.stream().map(TokenUrlPolicy::normalize).toList();
    this.allowHttp = allowHttp;
    this.resolver = resolver;
  }

  /** The URL, checked; throws {@code TokenEndpointNotAllowed} or {@code InvalidSpec}. Pure. */
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
    String host = normalize(uri.getHost());
    if (!hosts.isEmpty() && hosts.stream().noneMatch(pattern -> matches(pattern, host))) {
      throw ReconcileException.permanent(Reasons.TOKEN_ENDPOINT_NOT_ALLOWED, "host '" + host
          + "' is not in " + SETTING + " (" + String.join(", ", hosts) + ")");
    }
    return uri;
  }

  /**
   * The address rule for a URL that passed {@link #check}: resolves its host (through the
   * resolver) unless that exact host is listed. Throws {@code TokenEndpointNotAllowed} (permanent)
   * for an IP literal or an internal address, {@code IdentityProviderUnavailable} (retryable) for
   * a host that does not resolve.
   */
  public void checkAddress(URI tokenUrl) {
    String host = normalize(tokenUrl.getHost());
    if (hosts.contains(host)) {
      return; // listed exactly: the operator's admin vouches for it, whatever it resolves to
    }
    if (isIpLiteral(host)) {
      throw notAllowed(host);
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw ReconcileException.retryable(Reasons.IDENTITY_PROVIDER_UNAVAILABLE,
          "the token endpoint host '" + host + "' does not resolve");
    }
    if (addresses == null || addresses.length == 0 || Arrays.stream(addresses).anyMatch(TokenUrlPolicy::internal)) {
      throw notAllowed(host);
    }
  }

  /** Whether Keymint must not call this address for a tenant. */
  static boolean internal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()
        || address.isMulticastAddress() || address.isSiteLocalAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (b.length == 16 && embedsIpv4(b)) {
      try {
        return internal(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
      } catch (UnknownHostException impossible) {
        return true;
      }
    }
    int first = b[0] & 0xff;
    if (b.length == 4) {
      return first == 0 // "this network" (0/8)
          || (first == 100 && (b[1] & 0xc0) == 64) // CGNAT shared space (100.64/10)
          || first >= 240; // reserved and broadcast (240/4)
    }
    return (first & 0xfe) == 0xfc; // unique local (fc00::/7)
  }

  /** IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d). */
  private static boolean embedsIpv4(byte[] b) {
    boolean zeroPrefix = Arrays.equals(b, 0, 10, new byte[10], 0, 10);
    boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0;
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && Arrays.equals(b, 4, 12, new byte[8], 0, 8);
    return mapped || compatible || nat64;
  }

  private static boolean isIpLiteral(String host) {
    if (host.contains(":")) {
      return true; // IPv6, brackets already removed
    }
    String last = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    last = last.substring(last.lastIndexOf('.') + 1);
    return NUMERIC_LABEL.matcher(last).matches();
  }

  private static ReconcileException notAllowed(String host) {
    return ReconcileException.permanent(Reasons.TOKEN_ENDPOINT_NOT_ALLOWED, "the token endpoint host '" + host
        + "' is not allowed: Keymint does not call IP addresses or internal networks for a tenant"
        + " (the operator's admin may list this exact host in " + SETTING + ")");
  }

  /** Lowercase, without the brackets of an IPv6 literal. */
  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private static boolean matches(String pattern, String host) {
    return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host);
  }
}
