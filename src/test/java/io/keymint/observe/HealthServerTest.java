package io.keymint.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The probes are answered whatever other clients do on the port: idle connections, partial
 * request lines, a slowloris, a huge head, a slow scrape. Only 127.0.0.1; every wait is bounded,
 * and the one time bound asserted is the probe's (an answer within 1 s, as a kubelet waits by default).
 */
class HealthServerTest {

  private static final Duration PROBE = Duration.ofSeconds(1);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(PROBE).build();

  private final List<Socket> clients = new ArrayList<>();
  private HealthServer server;

  @AfterEach
  void close() throws IOException {
    for (Socket client : clients) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void probesAndScrapesAreAnsweredWithinASecondWhileEightConnectionsIdle() throws Exception {
    server = HealthServer.start(0, () -> true, () -> "keymint_up 1\n");
    for (int i = 0; i < 8; i++) {
      connect(i % 2 == 0 ? "GET /heal" : "");
    }

    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");
    assertThat(get("/readyz").body()).isEqualTo("ready\n");
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.body()).isEqualTo("keymint_up 1\n");
    assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    // the JDK client's default (HTTP/2, offered as an upgrade on http://) gets HTTP/1.1
    assertThat(HttpClient.newBuilder().connectTimeout(PROBE).build().send(request("/healthz").build(),
        HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok\n");
  }

  @Test
  void moreConnectionsThanTheLimitCloseTheOldestWaitingOne() throws Exception {
    server = HealthServer.start(0, () -> true, () -> "", limits(Duration.ofSeconds(30), 8));
    for (int i = 0; i < 20; i++) {
      connect("GET /heal");
    }

    assertThat(get("/healthz").body()).isEqualTo("ok\n");
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(closedByServer(clients.get(0))).isTrue();
  }

  @Test
  void aSlowlorisIsDisconnectedAndTheProbesAnsweredMeanwhile() throws Exception {
    server = HealthServer.start(0, () -> true, () -> "", limits(Duration.ofMillis(500), 64));
    Socket slowloris = connect("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    slowloris.setSoTimeout(50);

    assertThat(get("/healthz").body()).isEqualTo("ok\n");
    AtomicBoolean disconnected = new AtomicBoolean();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      try {
        slowloris.getOutputStream().write('X');
        return slowloris.getInputStream().read() == -1;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException closed) {
        return true;
      }
    });
    assertThat(get("/healthz").body()).isEqualTo("ok\n");
  }

  @Test
  void aHugeRequestHeadIsRefusedWithoutHarmingOthers() throws Exception {
    server = HealthServer.start(0, () -> true, () -> "keymint_up 1\n");
    Socket waiting = connect("GET /heal");
    Socket huge = connect("");

    huge.getOutputStream().write(("GET /healthz HTTP/1.1\r\nX-Padding: " + "a".repeat(256 * 1024) + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    assertThat(readAll(huge)).startsWith("HTTP/1.1 431 ");
    assertThat(get("/healthz").body()).isEqualTo("ok\n");
    assertThat(get("/metrics").body()).isEqualTo("keymint_up 1\n");
    assertThat(closedByServer(waiting)).isFalse();
  }

  @Test
  void aSlowScrapeDelaysNeitherProbeAndTooManyWaitingScrapesAreTurnedAway() throws Exception {
    CountDownLatch scrapeMayEnd = new CountDownLatch(1);
    Supplier<String> slowMetrics = () -> {
      try {
        scrapeMayEnd.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "keymint_up 1\n";
    };
    server = HealthServer.start(0, () -> true, slowMetrics);
    int taken = HealthServer.Limits.DEFAULT.maxPerEndpoint();
    List<CompletableFuture<HttpResponse<String>>> scrapes = new ArrayList<>();
    for (int i = 0; i < taken + 2; i++) {
      scrapes.add(HTTP.sendAsync(request("/metrics").timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }

    // the first scrape hangs, three wait behind it, the two others are turned away at once
    await().atMost(Duration.ofSeconds(5)).until(() -> scrapes.stream()
        .filter(scrape -> scrape.isDone() && scrape.join().statusCode() == 503).count() == 2);
    assertThat(get("/healthz").body()).isEqualTo("ok\n");
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    scrapeMayEnd.countDown();
    CompletableFuture.allOf(scrapes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(scrapes).filteredOn(scrape -> scrape.join().statusCode() == 200).hasSize(taken)
        .allSatisfy(scrape -> assertThat(scrape.join().body()).isEqualTo("keymint_up 1\n"));
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
  }

  @Test
  void answersWhatItDoesNotServe() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    server = HealthServer.start(0, ready::get, () -> {
      throw new IllegalStateException("registry closed");
    });

    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    ready.set(true);
    assertThat(get("/readyz?verbose").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").statusCode()).isEqualTo(500);
    assertThat(get("/secrets").statusCode()).isEqualTo(404);
    assertThat(send("POST /healthz HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")).startsWith("HTTP/1.1 405 ");
    assertThat(send("HEAD /healthz HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n");
    assertThat(send("hello\r\n\r\n")).startsWith("HTTP/1.1 400 ");
  }

  private static HealthServer.Limits limits(Duration requestTimeout, int maxConnections) {
    HealthServer.Limits defaults = HealthServer.Limits.DEFAULT;
    return new HealthServer.Limits(requestTimeout, defaults.responseTimeout(), maxConnections,
        defaults.maxHeadBytes(), defaults.maxPerEndpoint());
  }

  /** A client that sends {@code start} and then nothing. */
  private Socket connect(String start) throws IOException {
    Socket client = new Socket("127.0.0.1", server.port());
    clients.add(client);
    client.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
    client.getOutputStream().flush();
    return client;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(PROBE);
  }

  private String send(String request) throws IOException {
    Socket client = connect(request);
    return readAll(client);
  }

  /** Everything the server sends until it ends the connection, waiting at most a probe's time per read. */
  private static String readAll(Socket client) throws IOException {
    client.setSoTimeout((int) PROBE.toMillis());
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    InputStream in = client.getInputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      answer.write(b);
    }
    return answer.toString(StandardCharsets.ISO_8859_1);
  }

  private static boolean closedByServer(Socket client) throws IOException {
    client.setSoTimeout(200);
    try {
      return client.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
