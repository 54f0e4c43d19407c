package io.keymint.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import io.keymint.api.TokenStatus;
import io.keymint.apptoken.AppToken;
import io.keymint.clientapp.ClientApplication;
import io.keymint.oauth.Jwt;
import io.keymint.platformtoken.PlatformToken;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Keymint's main job on embedded defaults ({@code mvn -Pdemo verify}; {@code -Ddemo.watch=true}
 * keeps it running, {@code -Ddemo.files=a.yaml,b.yaml} applies other files): a local Keycloak and
 * an embedded Kubernetes API (the CRUD mock), {@code samples/} applied, every resource Ready, and
 * a live token refresh shown. Prints decoded claims, never a token.
 */
public final class Demo {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ORDER = List.of("Namespace", "Secret", "ClientApplication", "AppToken",
      "PlatformToken", "Deployment", "StatefulSet", "DaemonSet");

  private static final Map<String, Class<? extends HasMetadata>> MODEL = Map.of(
      "Namespace", io.fabric8.kubernetes.api.model.Namespace.class,
      "Secret", io.fabric8.kubernetes.api.model.Secret.class,
      "ClientApplication", ClientApplication.class,
      "AppToken", AppToken.class,
      "PlatformToken", PlatformToken.class,
      "Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
      "StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class,
      "DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class);

  private record Applied(String kind, String namespace, String name) {}

  public static void main(String[] args) throws Exception {
    boolean watch = Boolean.getBoolean("demo.watch");
    String files = System.getProperty("demo.files", "");
    System.out.println("Keymint demo: starting a local Keycloak (the first start builds it, about a minute) ...");
    KeycloakServer server = KeycloakServer.shared();
    TestRealm realm = KeycloakExtension.createRealm(server, Demo.class);
    realm.createRealmRole("researcher");
    realm.createClientWithRoles("model-registry", "viewer", "editor");
    System.out.println("Keycloak realm '" + realm.name() + "' with Keymint's least-privilege admin client "
        + realm.adminClientId() + " (manage-clients, manage-users, view-realm)");
    int exit;
    try (KeymintFixture keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher,model-registry/*"))) {
      System.out.println("Embedded Kubernetes API with crds/ installed; Keymint is running.\n");
      List<JsonNode> documents = load(files.isBlank() ? List.of(Path.of("samples")) : Stream.of(files.split(","))
          .map(String::trim).map(Path::of).toList());
      List<Applied> applied = new ArrayList<>();
      Map<String, String> skipped = new LinkedHashMap<>();
      for (String kind : ORDER) {
        for (JsonNode doc : documents) {
          if (kind.equals(doc.path("kind").asText())) {
            apply(keymint, doc, applied, skipped);
          }
        }
      }
      List<Applied> keymintResources = applied.stream().filter(a -> type(a.kind()) != null).toList();
      Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
      while (Instant.now().isBefore(deadline) && !keymintResources.stream().allMatch(a -> ready(keymint, a))) {
        Thread.sleep(500);
      }
      table(keymint, keymintResources);
      skipped.forEach((what, why) -> System.out.printf("  skipped  %-45s %s%n", what, why));
      claims(keymint, keymintResources);
      boolean allReady = keymintResources.stream().allMatch(a -> ready(keymint, a));
      boolean refreshed = liveRefresh(keymint, keymintResources);
      exit = allReady && refreshed ? 0 : 1;
      System.out.println(exit == 0 ? "\nEvery resource is Ready and tokens are kept fresh."
          : "\nNot every resource became Ready (see the reasons above).");
      if (watch) {
        System.out.println("Watching; Ctrl-C stops Keymint and Keycloak.");
        while (true) {
          Thread.sleep(30_000);
          table(keymint, keymintResources);
        }
      }
    } finally {
      server.stop();
    }
    System.exit(exit);
  }

  private static List<JsonNode> load(List<Path> roots) throws Exception {
    List<JsonNode> documents = new ArrayList<>();
    for (Path root : roots) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
          for (JsonNode doc : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
            if (doc != null && doc.has("kind")) {
              documents.add(doc);
            }
          }
        }
      }
    }
    return documents;
  }

  private static void apply(KeymintFixture keymint, JsonNode doc, List<Applied> applied, Map<String, String> skipped)
      throws Exception {
    String kind = doc.path("kind").asText();
    String namespace = doc.at("/metadata/namespace").asText("default");
    String name = doc.at("/metadata/name").asText();
    String tokenUrl = doc.at("/spec/tokenUrl").asText(doc.at("/spec/clientCredentials/tokenUrl").asText(""));
    if (!tokenUrl.isEmpty() && !List.of("127.0.0.1", "localhost").contains(URI.create(tokenUrl).getHost())) {
      skipped.put(kind + " " + namespace + "/" + name, "needs " + URI.create(tokenUrl).getHost()
          + ", which the demo cannot reach (point tokenUrl at a local endpoint to include it)");
      return;
    }
    if (!"Secret".equals(kind) && referencesPlaceholder(keymint, doc, namespace)) { // placeholder Secrets are applied
      skipped.put(kind + " " + namespace + "/" + name, "needs a real credential in its Secret (the sample says REPLACE_ME)");
      return;
    }
    if (keymint.client().namespaces().withName(namespace).get() == null) {
      keymint.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
          .build()).create();
    }
    JsonNode resource = doc;
    if ("ClientApplication".equals(kind)) { // demo default: short tokens, so a live refresh shows within a minute
      ((com.fasterxml.jackson.databind.node.ObjectNode) resource.path("spec")).put("accessTokenLifespan", "30s");
    }
    HasMetadata object = JSON.treeToValue(resource, MODEL.get(kind));
    object.getMetadata().setNamespace(namespace);
    keymint.client().resource(object).createOr(existing -> existing.update());
    applied.add(new Applied(kind, namespace, name));
  }

  /** A PlatformToken whose grant Secret still holds the sample's placeholder. */
  private static boolean referencesPlaceholder(KeymintFixture keymint, JsonNode doc, String namespace) {
    for (String pointer : List.of("/spec/grant/refreshToken/secretRef/name", "/spec/grant/password/secretRef/name",
        "/spec/grant/apiKey/secretRef/name", "/spec/clientCredentials/secretRef/name")) {
      String secret = doc.at(pointer).asText("");
      if (!secret.isEmpty()) {
        var data = keymint.secretData(namespace, secret);
        return data == null || data.values().stream().anyMatch(v -> v.contains("REPLACE_ME"));
      }
    }
    return false;
  }

  private static Class<? extends HasMetadata> type(String kind) {
    return switch (kind) {
      case "ClientApplication" -> ClientApplication.class;
      case "AppToken" -> AppToken.class;
      case "PlatformToken" -> PlatformToken.class;
      default -> null;
    };
  }

  private static KeymintStatus status(KeymintFixture keymint, Applied a) {
    HasMetadata resource = keymint.get(type(a.kind()), a.namespace(), a.name());
    if (resource instanceof ClientApplication app) {
      return app.getStatus();
    }
    if (resource instanceof AppToken token) {
      return token.getStatus();
    }
    return resource instanceof PlatformToken token ? token.getStatus() : null;
  }

  private static boolean ready(KeymintFixture keymint, Applied a) {
    KeymintStatus status = status(keymint, a);
    return status != null && status.isReady();
  }

  private static void table(KeymintFixture keymint, List<Applied> resources) {
    System.out.printf("%n  %-18s %-34s %-28s %-26s %-21s %s%n", "KIND", "NAME", "READY", "SECRET", "EXPIRES", "NEXT REFRESH");
    for (Applied a : resources) {
      KeymintStatus status = status(keymint, a);
      Condition ready = status == null ? null : status.condition(Condition.READY);
      String secret = "";
      String expires = "";
      String refresh = "";
      if (status instanceof TokenStatus token) {
        secret = token.secretName == null ? "" : token.secretName;
        expires = token.expiresAt == null ? "" : token.expiresAt;
        refresh = token.refreshAt == null ? "" : token.refreshAt;
      } else if (status instanceof io.keymint.clientapp.ClientApplicationStatus app) {
        secret = app.secretName == null ? "" : app.secretName;
      }
      System.out.printf("  %-18s %-34s %-28s %-26s %-21s %s%n", a.kind(), a.namespace() + "/" + a.name(),
          ready == null ? "(no status)" : ready.status + "/" + ready.reason, secret, expires, refresh);
    }
    System.out.println();
  }

  /** The claims that matter, decoded from each token Secret; never the token. */
  @SuppressWarnings("unchecked")
  private static void claims(KeymintFixture keymint, List<Applied> resources) {
    for (Applied a : resources) {
      if (!(status(keymint, a) instanceof TokenStatus token) || token.secretName == null) {
        continue;
      }
      Map<String, String> data = keymint.secretData(a.namespace(), token.secretName);
      if (data == null || data.get("access_token") == null) {
        continue;
      }
      Map<String, Object> claims = Jwt.claims(data.get("access_token"));
      Object realmRoles = claims.get("realm_access") instanceof Map<?, ?> m ? m.get("roles") : List.of();
      Map<String, Object> clientRoles = new LinkedHashMap<>();
      if (claims.get("resource_access") instanceof Map<?, ?> access) {
        access.forEach((client, value) -> clientRoles.put(String.valueOf(client), ((Map<String, Object>) value).get("roles")));
      }
      System.out.printf("  %s %s/%s: sub=%s aud=%s realm roles=%s client roles=%s exp=%s%n", a.kind(), a.namespace(),
          a.name(), claims.get("sub"), Jwt.audiences(claims), realmRoles, clientRoles,
          claims.get("exp") instanceof Number exp ? Instant.ofEpochSecond(exp.longValue()) : "?");
    }
  }

  /** Waits for the token due first to be replaced on schedule, and shows it. */
  private static boolean liveRefresh(KeymintFixture keymint, List<Applied> resources) throws InterruptedException {
    Applied first = null;
    Instant due = null;
    for (Applied a : resources) {
      if (status(keymint, a) instanceof TokenStatus token && token.isReady() && token.refreshAt != null
          && (due == null || Instant.parse(token.refreshAt).isBefore(due))) {
        first = a;
        due = Instant.parse(token.refreshAt);
      }
    }
    if (first == null) {
      System.out.println("No token to watch.");
      return false;
    }
    TokenStatus token = (TokenStatus) status(keymint, first);
    Map<String, String> before = keymint.secretData(first.namespace(), token.secretName);
    System.out.printf("%nWaiting for %s %s/%s to be refreshed on schedule at %s (token expires %s) ...%n", first.kind(),
        first.namespace(), first.name(), token.refreshAt, token.expiresAt);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (Instant.now().isBefore(deadline)) {
      Map<String, String> now = keymint.secretData(first.namespace(), token.secretName);
      if (!now.get("access_token").equals(before.get("access_token"))) {
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        System.out.printf("Refreshed at %s (scheduled %s), before the old token expired at %s; the new one expires at %s.%n",
            at, token.refreshAt, before.get("expires_at"), now.get("expires_at"));
        return !at.isBefore(due.minusSeconds(1));
      }
      Thread.sleep(250);
    }
    System.out.println("No refresh within 120 s.");
    return false;
  }
}
