package io.keymint.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.DefaultMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The mock Kubernetes API ({@link KubernetesMock}: realistic dispatcher, watch events 300 ms late) in a
 * process of its own, so that a benchmark measures Keymint's heap and CPU alone. Prints the server's URL on
 * the first line of standard output and {@code control <url>} on the second, and runs until its standard
 * input closes.
 *
 * <p>It counts every request the API answers, by client (the {@code User-Agent} header), verb, resource and
 * answer code, and serves the counts on the control URL, a small HTTP server of its own (not the mock API,
 * whose dispatcher must stay what the tests use):
 * <ul>
 *   <li>{@code GET <control>/requests}: one line per kind of request, tab-separated:
 *       {@code count client verb resource code}; {@code ?reset=true} returns the counts and starts afresh
 *       in one step. The verb is the HTTP method, except that a GET of a collection is {@code LIST} or
 *       {@code WATCH} (with its label selector after the resource) and a PATCH carries its kind
 *       ({@code PATCH/merge}, {@code PATCH/json}, {@code PATCH/strategic}, {@code PATCH/apply}). The
 *       resource is the plural with its subresource ({@code apptokens/status}), or the path when it names
 *       no resource ({@code /version}).</li>
 *   <li>{@code GET <control>/mark?text=...}: writes a marker line into the request log.</li>
 * </ul>
 * With the system property {@value #REQUEST_LOG_PROPERTY} naming a file, every request is also appended to
 * it, one line each: time, client, method, path with query, code, microseconds spent in the dispatcher.
 */
public final class MockApiServerMain {

  /** The second line of standard output starts with this, followed by the control URL. */
  public static final String CONTROL_PREFIX = "control ";
  /** System property: a file to append every request to (none by default). */
  public static final String REQUEST_LOG_PROPERTY = "keymint.bench.requestLog";

  private MockApiServerMain() {}

  public static void main(String[] args) throws IOException {
    try (KubernetesMock mock = KubernetesMock.start()) {
      String logFile = System.getProperty(REQUEST_LOG_PROPERTY);
      RequestCounts counts = new RequestCounts(logFile == null || logFile.isBlank() ? null : Path.of(logFile));
      boolean counted = counts.wrapDispatcherOf(mock);
      Thread drain = new Thread(() -> drain(mock, counted ? null : counts), "request-log-drain");
      drain.setDaemon(true);
      drain.start();
      HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      control.createContext("/requests", exchange -> answer(exchange, counts.text(query(exchange, "reset") != null)));
      control.createContext("/mark", exchange -> {
        counts.mark(String.valueOf(query(exchange, "text")));
        answer(exchange, "ok\n");
      });
      control.start();
      System.out.println(mock.client().getConfiguration().getMasterUrl());
      System.out.println(CONTROL_PREFIX + "http://127.0.0.1:" + control.getAddress().getPort());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent goes away
      }
      control.stop(0);
      counts.close();
    }
  }

  /**
   * Empties the server's own record of requests, which otherwise keeps every request with its body for the
   * life of the process; counts them when the dispatcher could not be wrapped ({@code counts} not null;
   * then without the answer's code).
   */
  private static void drain(KubernetesMock mock, RequestCounts counts) {
    while (true) {
      List<RecordedRequest> requests = mock.takeRequests();
      if (counts != null) {
        requests.forEach(request -> counts.count(request, 0, 0));
      }
      try {
        Thread.sleep(requests.isEmpty() ? 200 : 20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static String query(HttpExchange exchange, String name) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static void answer(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Counts by (client, verb, resource, code), and the optional request log. */
  static final class RequestCounts {
    private final AtomicReference<Map<String, LongAdder>> counts = new AtomicReference<>(new ConcurrentHashMap<>());
    private final BufferedWriter log;

    RequestCounts(Path logFile) throws IOException {
      if (logFile != null) {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
      } else {
        log = null;
      }
    }

    /**
     * Puts a counting dispatcher in front of the realistic one: the mock's web server reads its dispatcher
     * for every request and lets it be replaced, but {@link KubernetesMock} does not hand out its server, so
     * it is reached by reflection (test code looking into test code). False when that failed.
     */
    boolean wrapDispatcherOf(KubernetesMock mock) {
      try {
        KubernetesMockServer server = (KubernetesMockServer) field(KubernetesMock.class, "server").get(mock);
        MockWebServer web = (MockWebServer) field(DefaultMockServer.class, "server").get(server);
        Dispatcher inner = (Dispatcher) field(MockWebServer.class, "dispatcher").get(web);
        web.setDispatcher(new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            long start = System.nanoTime();
            MockResponse response = inner.dispatch(request);
            count(request, response == null ? 0 : response.code(), (System.nanoTime() - start) / 1000);
            return response;
          }

          @Override
          public void shutdown() {
            inner.shutdown();
          }
        });
        return true;
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.err.println("MockApiServerMain: cannot wrap the dispatcher (" + e + "); counting from the request log,"
            + " without answer codes");
        return false;
      }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
      Field field = type.getDeclaredField(name);
      field.setAccessible(true);
      return field;
    }

    void count(RecordedRequest request, int code, long micros) {
      String client = request.getHeader("User-Agent");
      String key = (client == null ? "-" : client) + "\t" + verb(request) + "\t" + resource(request) + "\t" + code;
      counts.get().computeIfAbsent(key, k -> new LongAdder()).increment();
      if (log != null) {
        String line = Instant.now() + "\t" + client + "\t" + request.getMethod() + "\t" + request.getPath() + "\t" + code
            + "\t" + micros + "\n";
        synchronized (log) {
          try {
            log.write(line);
          } catch (IOException e) {
            // the log is a help, not the measure
          }
        }
      }
    }

    void mark(String text) {
      if (log != null) {
        synchronized (log) {
          try {
            log.write(Instant.now() + "\t# " + text.replaceAll("[\\r\\n]", " ") + "\n");
            log.flush();
          } catch (IOException e) {
            // as above
          }
        }
      }
    }

    String text(boolean reset) {
      Map<String, LongAdder> taken = reset ? counts.getAndSet(new ConcurrentHashMap<>()) : counts.get();
      if (log != null) {
        synchronized (log) {
          try {
            log.flush();
          } catch (IOException e) {
            // as above
          }
        }
      }
      StringBuilder text = new StringBuilder();
      new TreeMap<>(taken).forEach((key, count) -> text.append(count.sum()).append('\t').append(key).append('\n'));
      return text.toString();
    }

    void close() throws IOException {
      if (log != null) {
        synchronized (log) {
          log.close();
        }
      }
    }

    /** GET of a collection is LIST or WATCH; a PATCH says what kind of patch it is. */
    static String verb(RecordedRequest request) {
      String method = request.getMethod();
      ApiStatus.ResourcePath resource = ApiStatus.ResourcePath.parse(request.getPath());
      if ("GET".equals(method) && resource != null && resource.name() == null) {
        String watch = parameter(request.getPath(), "watch");
        return "true".equals(watch) || "1".equals(watch) ? "WATCH" : "LIST";
      }
      if ("PATCH".equals(method)) {
        String type = String.valueOf(request.getHeader("Content-Type"));
        return type.contains("merge-patch") && !type.contains("strategic") ? "PATCH/merge"
            : type.contains("json-patch") ? "PATCH/json"
            : type.contains("strategic") ? "PATCH/strategic"
            : type.contains("apply-patch") ? "PATCH/apply" : "PATCH/" + type;
      }
      return method;
    }

    /** The plural and subresource; a LIST or WATCH adds its label selector; a path that names no resource is itself. */
    static String resource(RecordedRequest request) {
      String path = request.getPath();
      ApiStatus.ResourcePath resource = ApiStatus.ResourcePath.parse(path);
      if (resource == null) {
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
      }
      String name = resource.subresource() == null ? resource.plural() : resource.plural() + "/" + resource.subresource();
      if (resource.name() == null) {
        String selector = parameter(path, "labelSelector");
        name += selector == null ? "" : " [" + selector + "]";
      }
      return name;
    }

    private static String parameter(String path, String name) {
      int start = path.indexOf('?');
      if (start < 0) {
        return null;
      }
      for (String pair : path.substring(start + 1).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).equals(name)) {
          return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
      return null;
    }
  }
}
