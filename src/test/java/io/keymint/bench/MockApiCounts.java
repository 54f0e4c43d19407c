package io.keymint.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The request counts of {@link io.keymint.testing.MockApiServerMain}, read over its control URL: what each
 * client asked the API, by verb, resource and answer code.
 */
final class MockApiCounts {

  /** One kind of request. The verb is GET, LIST, WATCH, POST, PUT, PATCH/merge, PATCH/json, ..., DELETE. */
  record Key(String client, String verb, String resource, int code) {

    boolean informer() {
      return verb.equals("LIST") || verb.equals("WATCH");
    }

    boolean write() {
      return verb.equals("POST") || verb.equals("PUT") || verb.startsWith("PATCH") || verb.equals("DELETE");
    }

    boolean read() {
      return verb.equals("GET");
    }

    /** {@code PATCH/merge apptokens/status}; informers with their selector. */
    String call() {
      return verb + " " + resource;
    }
  }

  private static final Set<String> WRITES = Set.of("POST", "PUT", "DELETE");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final URI control;

  MockApiCounts(String controlUrl) {
    this.control = URI.create(controlUrl.endsWith("/") ? controlUrl : controlUrl + "/");
  }

  /** The counts since the last reset; with {@code reset}, starts counting afresh in the same step. */
  Map<Key, Long> read(boolean reset) {
    String body = get("requests" + (reset ? "?reset=true" : ""));
    Map<Key, Long> counts = new HashMap<>();
    for (String line : body.split("\n")) {
      String[] f = line.split("\t");
      if (f.length == 5) {
        counts.merge(new Key(f[1], f[2], f[3], Integer.parseInt(f[4])), Long.parseLong(f[0]), Long::sum);
      }
    }
    return counts;
  }

  /** A marker line in the mock's request log (target/bench/mock-requests.log). */
  void mark(String text) {
    get("mark?text=" + URLEncoder.encode(text, StandardCharsets.UTF_8));
  }

  private String get(String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(control.resolve(path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("the mock API's control URL did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sum of the counts whose key matches. */
  static long total(Map<Key, Long> counts, Predicate<Key> which) {
    return counts.entrySet().stream().filter(e -> which.test(e.getKey())).mapToLong(Map.Entry::getValue).sum();
  }

  /** Counts of one client by call ({@code VERB resource}), then by code, informers left out or kept. */
  static Map<String, Map<Integer, Long>> byCall(Map<Key, Long> counts, String client, boolean informers) {
    Map<String, Map<Integer, Long>> calls = new TreeMap<>();
    counts.forEach((key, n) -> {
      if (key.client().equals(client) && key.informer() == informers) {
        calls.computeIfAbsent(key.call(), k -> new TreeMap<>()).merge(key.code(), n, Long::sum);
      }
    });
    return calls;
  }

  static boolean isWriteVerb(String verb) {
    return WRITES.contains(verb) || verb.startsWith("PATCH");
  }
}
