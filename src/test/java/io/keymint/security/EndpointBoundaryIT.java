package io.keymint.security;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.keymint.api.AuthMethod;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenSpec;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.LogCapture;
import io.keymint.testing.TestRealm;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;

/**
 * The tenant boundary, attacked end to end: what a tenant who may edit Keymint resources in one
 * namespace tries in order to get more (a wildcard redirect URI, a foreign client scope, a token URL
 * into the operator's own network, an endless token answer), and what really happens: a status
 * condition, nothing created in Keycloak, not one connection to the target.
 */
@ExtendWith(KeycloakExtension.class)
class EndpointBoundaryIT {

  private static final String TOO_LARGE = "the token endpoint answer is larger than 1 MiB";

  private static TestRealm realm;
  /** Keymint as the fixture configures it: KEYMINT_ALLOW_HTTP, no KEYMINT_TOKEN_URL_HOSTS (any host). */
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    ClientScopeRepresentation scope = new ClientScopeRepresentation();
    scope.setName("team-b-private");
    scope.setProtocol("openid-connect");
    realm.admin().clientScopes().create(scope).close(); // it exists: only the allow list stands in the way
    keymint = KeymintFixture.start(realm, Map.of());
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("boundary");
  }

  @AfterEach
  void deleteTokens() {
    keymint.deleteTokens(namespace);
  }

  // --- redirect URIs and client scopes -------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"*", "/*", "https://*.example.com", "relative/path"})
  void aRedirectUriThatIsNotAnExactHttpsUrlIsRefusedAndNoClientIsCreated(String redirectUri) {
    createApplication(keymint, namespace, "spa", spec -> {
      spec.type = ClientApplicationSpec.Type.Public;
      spec.flows = new ClientApplicationSpec.Flows();
      spec.flows.standard = true;
      spec.redirectUris = List.of(redirectUri);
    });
    ClientApplication refused = awaitStalled("spa", "RedirectUriNotAllowed");
    assertThat(refused.getStatus().condition(Condition.READY).message).contains("redirectUris", "'" + redirectUri + "'");
    assertThat(refused.getStatus().clientUuid).isNull();
    assertThat(realm.countClients(namespace + ".spa")).as("no client in Keycloak").isZero();
  }

  @Test
  void anExactHttpsRedirectUriIsProvisionedAsWritten() {
    createApplication(keymint, namespace, "spa", spec -> {
      spec.type = ClientApplicationSpec.Type.Public;
      spec.flows = new ClientApplicationSpec.Flows();
      spec.flows.standard = true;
      spec.redirectUris = List.of("https://app.example.com/callback");
    });
    keymint.awaitStatus(ClientApplication.class, namespace, "spa", ClientApplication::getStatus, ready("True", "Provisioned"));
    ClientRepresentation client = realm.findClient(namespace + ".spa");
    assertThat(client.getRedirectUris()).containsExactly("https://app.example.com/callback");
  }

  @Test
  void aClientScopeOutsideTheAllowListIsRefusedAndNoClientIsCreated() {
    createApplication(keymint, namespace, "scoped", spec -> spec.defaultClientScopes = List.of("profile", "team-b-private"));
    ClientApplication refused = awaitStalled("scoped", "ClientScopeNotAllowed");
    assertThat(refused.getStatus().condition(Condition.READY).message)
        .contains("team-b-private", "KEYMINT_ALLOWED_CLIENT_SCOPES");
    assertThat(realm.countClients(namespace + ".scoped")).as("no client in Keycloak").isZero();
    assertThat(keymint.secret(namespace, "scoped-client")).isNull();
  }

  // --- token URLs ----------------------------------------------------------------------------

  @Test
  void tokenUrlsIntoTheOperatorsNetworkAreRefusedWithoutAConnection() throws Exception {
    try (LoopbackListener literal = LoopbackListener.start(); LoopbackListener named = LoopbackListener.start()) {
      credentials(keymint, namespace, "partner", "partner", "attack-" + UUID.randomUUID());
      Map<String, String> attacks = new LinkedHashMap<>();
      attacks.put("metadata", "https://169.254.169.254/latest/meta-data/iam/security-credentials/");
      attacks.put("private", "https://10.1.2.3/realms/apps/protocol/openid-connect/token");
      attacks.put("loopback6", "https://[::1]:" + literal.port() + "/token");
      attacks.put("loopback4", "https://127.0.0.1:" + literal.port() + "/token");
      attacks.put("unspecified", "https://0.0.0.0:" + literal.port() + "/token");
      attacks.put("multicast", "https://224.0.0.1/token");
      attacks.put("localhost", "http://localhost:" + named.port() + "/token"); // a DNS name for the loopback
      long sentBefore = keymint.operator().tokens().requestCount();
      attacks.forEach((name, url) -> externalToken(keymint, namespace, name, url, "partner"));

      for (String name : attacks.keySet()) {
        AppToken refused = keymint.awaitStatus(AppToken.class, namespace, name, AppToken::getStatus,
            ready("False", "TokenEndpointNotAllowed"));
        assertThat(refused.getStatus().condition(Condition.STALLED).status).as(name).isEqualTo("True");
        assertThat(refused.getStatus().condition(Condition.READY).message).as(name)
            .contains("is not allowed", "KEYMINT_TOKEN_URL_HOSTS");
        assertThat(keymint.secret(namespace, name + "-token")).as(name).isNull();
      }
      assertThat(literal.connections()).as("connections to the loopback listener").isZero();
      assertThat(named.connections()).as("connections to the listener behind localhost").isZero();
      assertThat(keymint.operator().tokens().requestCount()).as("token requests sent").isEqualTo(sentBefore);

      // what localhost resolved to is said nowhere: not in the condition, an event or a log line
      String[] resolved = {"127.0.0.1", "::1", "0:0:0:0:0:0:0:1"};
      AppToken localhost = keymint.get(AppToken.class, namespace, "localhost");
      for (Condition condition : localhost.getStatus().conditions) {
        assertThat(String.valueOf(condition.message)).doesNotContain(resolved);
      }
      await().atMost(TIMEOUT).until(() -> !events(keymint, namespace, "localhost").isEmpty());
      for (Event event : events(keymint, namespace, "localhost")) {
        assertThat(event.getMessage()).contains("is not allowed").doesNotContain(resolved);
      }
      assertThat(LogCapture.linesContainingAny(List.of("127.0.0.1:" + named.port(), "[::1]:" + named.port(),
          "0:0:0:0:0:0:0:1]:" + named.port(), "0:0:0:0:0:0:0:1:" + named.port())))
          .as("log lines with the address behind localhost").isEmpty();
    }
  }

  @Test
  void keymintsOwnKeycloakNeedsNoListing() {
    String partner = namespace + "-partner";
    credentials(keymint, namespace, "partner", partner, createServiceAccountClient(partner));
    externalToken(keymint, namespace, "own-keycloak", realm.tokenUrl(), "partner"); // http://127.0.0.1:<port>/...
    keymint.awaitStatus(AppToken.class, namespace, "own-keycloak", AppToken::getStatus, ready("True", "TokenIssued"));
    assertThat(keymint.secretData(namespace, "own-keycloak-token")).containsKey("access_token");
  }

  @Test
  void anExactlyListedLoopbackHostIsCalledAndAnswersOverOneMebibyteAreRefused() throws Exception {
    try (LoopbackListener listener = LoopbackListener.start();
        KeymintFixture listed = KeymintFixture.start(realm, Map.of("KEYMINT_TOKEN_URL_HOSTS", "localhost"))) {
      String ns = listed.newNamespace("listed");
      credentials(listed, ns, "partner", "partner", "listed-" + UUID.randomUUID());
      String base = "http://localhost:" + listener.port();
      externalToken(listed, ns, "test-idp", base + "/token", "partner");
      externalToken(listed, ns, "huge", base + "/huge", "partner");
      externalToken(listed, ns, "huge-unannounced", base + "/huge-unannounced", "partner");

      listed.awaitStatus(AppToken.class, ns, "test-idp", AppToken::getStatus, ready("True", "TokenIssued"));
      assertThat(listed.secretData(ns, "test-idp-token").get("access_token")).startsWith("listener-");
      for (String name : List.of("huge", "huge-unannounced")) {
        AppToken refused = listed.awaitStatus(AppToken.class, ns, name, AppToken::getStatus,
            ready("False", "InvalidTokenResponse"));
        String message = refused.getStatus().condition(Condition.READY).message;
        assertThat(message).as(name).contains(TOO_LARGE).doesNotContain(LoopbackListener.PADDING);
        assertThat(listed.secret(ns, name + "-token")).as(name).isNull();
      }
      assertThat(listener.requests("/token")).isPositive();
      assertThat(listener.requests("/huge")).isPositive();
      assertThat(listener.requests("/huge-unannounced")).isPositive();
      listed.deleteTokens(ns);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private ClientApplication awaitStalled(String name, String reason) {
    ClientApplication stalled = keymint.awaitStatus(ClientApplication.class, namespace, name,
        ClientApplication::getStatus, ready("False", reason));
    assertThat(stalled.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
    return stalled;
  }

  private static void createApplication(KeymintFixture k, String ns, String name, Consumer<ClientApplicationSpec> edit) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(ns);
    ClientApplicationSpec spec = new ClientApplicationSpec();
    edit.accept(spec);
    app.setSpec(spec);
    k.create(app);
  }

  private static void externalToken(KeymintFixture k, String ns, String name, String tokenUrl, String secret) {
    AppToken token = new AppToken();
    token.getMetadata().setName(name);
    token.getMetadata().setNamespace(ns);
    token.getMetadata().setAnnotations(new HashMap<>());
    AppTokenSpec spec = new AppTokenSpec();
    spec.clientCredentials = new AppTokenSpec.ClientCredentials();
    spec.clientCredentials.tokenUrl = tokenUrl;
    spec.clientCredentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
    spec.clientCredentials.secretRef.name = secret;
    spec.clientCredentials.authMethod = AuthMethod.ClientSecretPost;
    token.setSpec(spec);
    k.create(token);
  }

  private static void credentials(KeymintFixture k, String ns, String name, String clientId, String clientSecret) {
    KeymintFixture.SECRETS_SEEN.add(clientSecret);
    k.client().secrets().inNamespace(ns).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .addToData("client_id", base64(clientId)).addToData("client_secret", base64(clientSecret)).build()).create();
  }

  /** A client made directly in Keycloak, as an external identity provider's would be. */
  private static String createServiceAccountClient(String clientId) {
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    client.setServiceAccountsEnabled(true);
    client.setPublicClient(false);
    client.setStandardFlowEnabled(false);
    realm.admin().clients().create(client).close();
    String secret = realm.admin().clients().get(realm.findClient(clientId).getId()).getSecret().getValue();
    KeymintFixture.SECRETS_SEEN.add(secret);
    return secret;
  }

  private static List<Event> events(KeymintFixture k, String ns, String name) {
    return k.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A test-only HTTP/1.1 server on 127.0.0.1 and ::1 (one port) that counts every TCP connection,
   * so that "nothing reached it" holds whatever the scheme (an https attempt at a plain listener
   * still connects). {@code /token} answers a token; {@code /huge} a 2 MiB answer with its length
   * declared, {@code /huge-unannounced} one without (read until the connection closes).
   */
  static final class LoopbackListener implements AutoCloseable {

    static final String PADDING = "x".repeat(64);
    private static final int HUGE = 2 * 1024 * 1024;

    private final List<ServerSocket> sockets;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, AtomicInteger> requests = new java.util.concurrent.ConcurrentHashMap<>();

    private LoopbackListener(List<ServerSocket> sockets) {
      this.sockets = sockets;
      for (ServerSocket socket : sockets) {
        Thread accept = new Thread(() -> accept(socket), "loopback-listener-" + socket.getLocalPort());
        accept.setDaemon(true);
        accept.start();
      }
    }

    /** Binds 127.0.0.1 on a free port and ::1 on the same port. */
    static LoopbackListener start() throws IOException {
      for (int attempt = 1; ; attempt++) {
        ServerSocket v4 = new ServerSocket();
        v4.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        ServerSocket v6 = new ServerSocket();
        try {
          v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), v4.getLocalPort()));
          return new LoopbackListener(List.of(v4, v6));
        } catch (IOException taken) {
          v4.close();
          v6.close();
          if (attempt == 10) {
            throw taken;
          }
        }
      }
    }

    int port() {
      return sockets.get(0).getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    int requests(String path) {
      AtomicInteger count = requests.get(path);
      return count == null ? 0 : count.get();
    }

    private void accept(ServerSocket socket) {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          connections.incrementAndGet();
          Thread handler = new Thread(() -> answer(connection), "loopback-listener-connection");
          handler.setDaemon(true);
          handler.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void answer(Socket connection) {
      try (connection) {
        connection.setSoTimeout(10_000);
        InputStream in = new BufferedInputStream(connection.getInputStream());
        String head = readHead(in);
        String[] requestLine = head.split("\r\n", 2)[0].split(" ");
        String path = requestLine.length > 1 ? requestLine[1] : "";
        requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        int length = 0;
        for (String line : head.split("\r\n")) {
          if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.readNBytes(length);
        OutputStream out = connection.getOutputStream();
        switch (path) {
          case "/token" -> {
            String token = "listener-" + UUID.randomUUID();
            KeymintFixture.SECRETS_SEEN.add(token);
            byte[] body = ("{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":300}")
                .getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
          }
          case "/huge", "/huge-unannounced" -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + (path.equals("/huge") ? "Content-Length: " + HUGE + "\r\n" : "")
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("{\"access_token\":\"" + PADDING).getBytes(StandardCharsets.US_ASCII);
            byte[] padding = PADDING.getBytes(StandardCharsets.US_ASCII);
            out.write(chunk);
            for (int written = chunk.length; written < HUGE; written += padding.length) {
              out.write(padding, 0, Math.min(padding.length, HUGE - written));
            }
          }
          default -> out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException | RuntimeException e) {
        // the client went away (as it should, past 1 MiB) or spoke no HTTP
      }
    }

    private static String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4 && head.size() < 16 * 1024) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.write(b);
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      List<IOException> failures = new ArrayList<>();
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          failures.add(e);
        }
      }
      if (!failures.isEmpty()) {
        throw failures.get(0);
      }
    }
  }
}
