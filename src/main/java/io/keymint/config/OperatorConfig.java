package io.keymint.config;

import io.keymint.api.Durations;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keymint's configuration, read once at start from the environment variables of API.md, each of
 * which can also be given as a flag ({@code KEYMINT_KEYCLOAK_URL} is {@code --keycloak-url}); flags
 * win. Invalid settings fail fast with a {@link ConfigException} naming the setting.
 */
public record OperatorConfig(
    Keycloak keycloak,
    List<String> allowedRealms,
    List<String> grantableRoles,
    List<String> tokenUrlHosts,
    boolean allowHttp,
    List<String> watchNamespaces,
    boolean leaderElection,
    int httpPort,
    Duration resyncInterval,
    List<String> redirectUriHosts,
    List<String> allowedClientScopes,
    String leaderElectionNamespace,
    Duration rolloutMinInterval,
    List<String> clientIdPatterns,
    int reconcileThreads,
    int maxConcurrentPerNamespace,
    Duration minMintInterval,
    ClusterIdentity clusterIdentity) {

  /** Keycloak's built-in client scopes: the default of KEYMINT_ALLOWED_CLIENT_SCOPES. */
  public static final List<String> BUILT_IN_CLIENT_SCOPES = List.of("basic", "profile", "email", "roles",
      "web-origins", "acr", "address", "phone", "offline_access", "microprofile-jwt", "organization");

  /** KEYMINT_CLIENT_ID_PATTERN's placeholder for the resource's namespace. */
  public static final String NAMESPACE_PLACEHOLDER = "{namespace}";
  /** The default of KEYMINT_CLIENT_ID_PATTERN: a namespace chooses clientIds only within its own prefix. */
  public static final List<String> DEFAULT_CLIENT_ID_PATTERNS = List.of(NAMESPACE_PLACEHOLDER + ".*");

  /** JOSDK's own default number of reconcile threads (ConfigurationService.DEFAULT_RECONCILIATION_THREADS_NUMBER). */
  public static final int DEFAULT_RECONCILE_THREADS = 50;

  /** A host name, optionally with a leading {@code *.} for its subdomains; no scheme, port or path. */
  private static final Pattern HOST_PATTERN =
      Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

  /** Where ClientApplications are provisioned and how Keymint authenticates there. */
  public record Keycloak(String url, String realm, String authRealm, String clientId, String clientSecret,
      String username, String password) {

    /** Whether Keymint uses a client_credentials admin credential (else username and password). */
    public boolean usesClientCredentials() {
      return clientId != null && clientSecret != null;
    }

    @Override
    public String toString() { // never print the credential
      return "Keycloak[url=" + url + ", realm=" + realm + ", authRealm=" + authRealm + ", clientId=" + clientId + "]";
    }
  }

  /**
   * The Kubernetes cluster as an identity provider of Keycloak realms (ClientApplications with
   * {@code clientAuthentication: ServiceAccount}).
   *
   * @param identityProviderAlias      KEYMINT_KUBERNETES_IDP_ALIAS: the realm's identity provider for this cluster
   * @param issuer                     KEYMINT_KUBERNETES_ISSUER; null: what the API server's discovery says
   * @param allowDefaultServiceAccount KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT: whether {@code default} may be bound
   */
  public record ClusterIdentity(String identityProviderAlias, String issuer, boolean allowDefaultServiceAccount) {
    public static final String DEFAULT_ALIAS = "kubernetes";
  }

  /** An identity provider alias as Keycloak's admin console accepts it. */
  private static final Pattern ALIAS_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  public static final String PREFIX = "KEYMINT_";

  public static OperatorConfig load(Map<String, String> environment, String... flags) {
    return from(merge(environment, flags));
  }

  /** The effective settings: environment, then flags ({@code --keycloak-url=x} or {@code --keycloak-url x}). */
  static Map<String, String> merge(Map<String, String> environment, String... flags) {
    Map<String, String> settings = new HashMap<>();
    environment.forEach((k, v) -> {
      if (k.startsWith(PREFIX) && v != null && !v.isBlank()) {
        settings.put(k, v.trim());
      }
    });
    for (int i = 0; i < flags.length; i++) {
      String flag = flags[i];
      if (!flag.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + flag + "': settings are flags like --keycloak-url=https://...");
      }
      String name = flag.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < flags.length && !flags[i + 1].startsWith("--")) {
        value = flags[++i];
      } else {
        value = "true";
      }
      settings.put(PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_'), value.trim());
    }
    return settings;
  }

  static OperatorConfig from(Map<String, String> s) {
    Settings settings = new Settings(s);
    boolean allowHttp = settings.bool("KEYMINT_ALLOW_HTTP");
    Keycloak keycloak = null;
    String url = settings.get("KEYMINT_KEYCLOAK_URL");
    if (url != null) {
      url = stripTrailingSlash(url);
      settings.url("KEYMINT_KEYCLOAK_URL", url, allowHttp);
      String clientId = settings.get("KEYMINT_KEYCLOAK_CLIENT_ID");
      String clientSecret = settings.secret("KEYMINT_KEYCLOAK_CLIENT_SECRET");
      String username = settings.get("KEYMINT_KEYCLOAK_USERNAME");
      String password = settings.secret("KEYMINT_KEYCLOAK_PASSWORD");
      boolean clientCredentials = clientId != null || clientSecret != null;
      if (clientCredentials && (clientId == null || clientSecret == null)) {
        throw new ConfigException(clientId == null
            ? "KEYMINT_KEYCLOAK_CLIENT_ID is missing (KEYMINT_KEYCLOAK_CLIENT_SECRET is set)"
            : "KEYMINT_KEYCLOAK_CLIENT_SECRET (or KEYMINT_KEYCLOAK_CLIENT_SECRET_FILE) is missing");
      }
      if (!clientCredentials && (username == null || password == null)) {
        throw new ConfigException("KEYMINT_KEYCLOAK_CLIENT_ID and KEYMINT_KEYCLOAK_CLIENT_SECRET are required"
            + " with KEYMINT_KEYCLOAK_URL (or KEYMINT_KEYCLOAK_USERNAME and KEYMINT_KEYCLOAK_PASSWORD, for development)");
      }
      String realm = settings.get("KEYMINT_KEYCLOAK_REALM");
      if (realm == null) {
        throw new ConfigException("KEYMINT_KEYCLOAK_REALM is required with KEYMINT_KEYCLOAK_URL: the default realm of ClientApplications");
      }
      keycloak = new Keycloak(url, realm, settings.getOr("KEYMINT_KEYCLOAK_AUTH_REALM", "master"),
          clientCredentials ? clientId : null, clientCredentials ? clientSecret : null,
          clientCredentials ? null : username, clientCredentials ? null : password);
    }
    List<String> grantable = settings.list("KEYMINT_GRANTABLE_ROLES");
    for (String pattern : grantable) {
      if (pattern.chars().filter(c -> c == '/').count() > 1 || pattern.startsWith("/") || pattern.endsWith("/")) {
        throw new ConfigException("KEYMINT_GRANTABLE_ROLES: '" + pattern
            + "' is not a role pattern like researcher, model-registry/viewer or model-registry/*");
      }
    }
    int port = settings.integer("KEYMINT_HTTP_PORT", 8080);
    if (port < 0 || port > 65535) {
      throw new ConfigException("KEYMINT_HTTP_PORT: " + port + " is not a port number");
    }
    Duration resync = settings.duration("KEYMINT_RESYNC_INTERVAL", Duration.ofMinutes(10));
    if (resync.compareTo(Duration.ofSeconds(5)) < 0) {
      throw new ConfigException("KEYMINT_RESYNC_INTERVAL: must be at least 5s");
    }
    List<String> redirectUriHosts = settings.list("KEYMINT_REDIRECT_URI_HOSTS");
    for (String pattern : redirectUriHosts) {
      if (!HOST_PATTERN.matcher(pattern).matches()) {
        throw new ConfigException("KEYMINT_REDIRECT_URI_HOSTS: '" + pattern
            + "' is not a host like app.example.com or *.apps.example.com");
      }
    }
    List<String> clientScopes = settings.list("KEYMINT_ALLOWED_CLIENT_SCOPES");
    Duration rolloutMinInterval = settings.duration("KEYMINT_ROLLOUT_MIN_INTERVAL", Duration.ofMinutes(1));
    List<String> clientIdPatterns = settings.list("KEYMINT_CLIENT_ID_PATTERN");
    for (String pattern : clientIdPatterns) {
      String rest = pattern.replace(NAMESPACE_PLACEHOLDER, "");
      if (rest.contains("{") || rest.contains("}")) {
        throw new ConfigException("KEYMINT_CLIENT_ID_PATTERN: '" + pattern + "' is not a pattern like "
            + DEFAULT_CLIENT_ID_PATTERNS.get(0) + " (* is any characters, " + NAMESPACE_PLACEHOLDER
            + " the resource's namespace)");
      }
    }
    int threads = settings.integer("KEYMINT_RECONCILE_THREADS", DEFAULT_RECONCILE_THREADS);
    if (threads < 1) {
      throw new ConfigException("KEYMINT_RECONCILE_THREADS: must be at least 1");
    }
    int perNamespace = settings.integer("KEYMINT_MAX_CONCURRENT_PER_NAMESPACE", Math.max(1, threads / 4));
    if (perNamespace < 1 || perNamespace > threads) {
      throw new ConfigException("KEYMINT_MAX_CONCURRENT_PER_NAMESPACE: must be between 1 and the number of reconcile"
          + " threads (KEYMINT_RECONCILE_THREADS, " + threads + ")");
    }
    Duration minMintInterval = settings.duration("KEYMINT_MIN_MINT_INTERVAL", Duration.ofSeconds(10));
    if (minMintInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigException("KEYMINT_MIN_MINT_INTERVAL: must be at least 1s");
    }
    String alias = settings.getOr("KEYMINT_KUBERNETES_IDP_ALIAS", ClusterIdentity.DEFAULT_ALIAS);
    if (!ALIAS_PATTERN.matcher(alias).matches()) {
      throw new ConfigException("KEYMINT_KUBERNETES_IDP_ALIAS: '" + alias + "' is not an identity provider alias"
          + " (letters, digits, '.', '_', '-')");
    }
    String issuer = settings.get("KEYMINT_KUBERNETES_ISSUER");
    if (issuer != null) {
      settings.url("KEYMINT_KUBERNETES_ISSUER", issuer, allowHttp);
    }
    ClusterIdentity clusterIdentity = new ClusterIdentity(alias, issuer,
        settings.bool("KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT"));
    return new OperatorConfig(keycloak, settings.list("KEYMINT_ALLOWED_REALMS"), grantable,
        settings.list("KEYMINT_TOKEN_URL_HOSTS"), allowHttp, settings.list("KEYMINT_WATCH_NAMESPACES"),
        settings.bool("KEYMINT_LEADER_ELECTION"), port, resync, redirectUriHosts,
        clientScopes.isEmpty() ? BUILT_IN_CLIENT_SCOPES : clientScopes,
        settings.get("KEYMINT_LEADER_ELECTION_NAMESPACE"), rolloutMinInterval,
        clientIdPatterns.isEmpty() ? DEFAULT_CLIENT_ID_PATTERNS : clientIdPatterns, threads, perNamespace,
        minMintInterval, clusterIdentity);
  }

  /** The realms ClientApplications may use: the allow list, or only the default realm. */
  public boolean realmAllowed(String realm) {
    if (!allowedRealms.isEmpty()) {
      return allowedRealms.contains(realm);
    }
    return keycloak != null && keycloak.realm().equals(realm);
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** Typed access to the raw settings with one-line errors. */
  private record Settings(Map<String, String> raw) {
    String get(String name) {
      return raw.get(name);
    }

    String getOr(String name, String fallback) {
      return raw.getOrDefault(name, fallback);
    }

    /** A secret setting, directly or from the file named by {@code NAME_FILE}. */
    String secret(String name) {
      String file = raw.get(name + "_FILE");
      if (file == null) {
        return raw.get(name);
      }
      try {
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      } catch (Exception e) {
        throw new ConfigException(name + "_FILE: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
      }
    }

    boolean bool(String name) {
      String v = raw.get(name);
      if (v == null) {
        return false;
      }
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new ConfigException(name + ": '" + v + "' is not true or false");
      };
    }

    int integer(String name, int fallback) {
      String v = raw.get(name);
      try {
        return v == null ? fallback : Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(name + ": '" + v + "' is not a number");
      }
    }

    Duration duration(String name, Duration fallback) {
      String v = raw.get(name);
      try {
        return v == null ? fallback : Durations.parse(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": " + e.getMessage());
      }
    }

    List<String> list(String name) {
      String v = raw.get(name);
      return v == null ? List.of()
          : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    void url(String name, String value, boolean allowHttp) {
      URI uri;
      try {
        uri = URI.create(value);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": '" + value + "' is not a URL");
      }
      if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
        throw new ConfigException(name + ": '" + value + "' is not an http(s) URL");
      }
      if ("http".equals(uri.getScheme()) && !allowHttp) {
        throw new ConfigException(name + ": plain http needs KEYMINT_ALLOW_HTTP=true (development only)");
      }
    }
  }
}
