package io.keymint.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The Kubernetes API of the integration tests: the Fabric8 mock server in CRUD mode on loopback,
 * with Keymint's CRDs from {@code crds/} installed the way a user installs them, made to behave
 * like kube-apiserver where the CRUD store is kinder (see {@link StrictCrudDispatcher}):
 *
 * <ul>
 *   <li>watch events reach informers {@link #watchLag() late} (default 300 ms, system property
 *       {@value #WATCH_LAG_PROPERTY} in milliseconds), so caches are stale right after a write;
 *       writes and reads themselves answer at once, from the store;
 *   <li>409 on creating an existing object and on writing (PUT, merge patch, JSON Patch, also
 *       {@code /status}) with an old {@code metadata.resourceVersion};
 *   <li>merge patches applied by RFC 7386 (lists replaced, null removes);
 *   <li>422 on a JSON Patch whose operations do not apply to the stored object;
 *   <li>{@link #failNext faults on demand}.
 * </ul>
 */
public final class KubernetesMock implements AutoCloseable {

  /** System property: the watch lag in milliseconds for mocks started from now on. */
  public static final String WATCH_LAG_PROPERTY = "keymint.test.watchLag";
  public static final Duration DEFAULT_WATCH_LAG = Duration.ofMillis(300);

  private final KubernetesMockServer server;
  private final RealisticDispatcher dispatcher;
  private final WatchLag watchLag;
  private final KubernetesClient client;

  private KubernetesMock(KubernetesMockServer server, RealisticDispatcher dispatcher, WatchLag watchLag) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.watchLag = watchLag;
    this.client = newClient(server);
  }

  public static KubernetesMock start() {
    if (!SLF4JBridgeHandler.isInstalled()) { // the mock server logs through java.util.logging
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    // CRUD for everything, plus one canned answer: the CRUD store cannot answer the access review
    // JOSDK's leader election asks first, so it says what a real API server says to a replica with
    // deploy/'s lease Role.
    var responses = new HashMap<ServerRequest, Queue<ServerResponse>>();
    WatchLag watchLag = new WatchLag(configuredWatchLag());
    RealisticDispatcher dispatcher = new RealisticDispatcher(responses, watchLag);
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
            .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
            .endResourceRule().withIncomplete(false).endStatus().build())
        .always();
    KubernetesMock mock = new KubernetesMock(server, dispatcher, watchLag);
    mock.installCrds();
    return mock;
  }

  private static Duration configuredWatchLag() {
    String millis = System.getProperty(WATCH_LAG_PROPERTY);
    return millis == null || millis.isBlank() ? DEFAULT_WATCH_LAG : Duration.ofMillis(Long.parseLong(millis.trim()));
  }

  private void installCrds() {
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read crds/", e);
    }
  }

  /** How late watch events reach informers. */
  public Duration watchLag() {
    return watchLag.get();
  }

  /** Sets how late watch events reach informers from now on (zero: as soon as written). */
  public void setWatchLag(Duration lag) {
    watchLag.set(lag);
  }

  /**
   * Refuses the next {@code times} requests with this method (GET, POST, PUT, PATCH, DELETE) whose
   * path (with its query string, e.g. {@code /api/v1/namespaces/ns/secrets/x}) matches, answering
   * {@code status} with a Kubernetes {@code Status} body; later requests are served normally.
   *
   * <p>Mind that Fabric8's client retries 429 and 5xx answers itself (up to 10 times, backing off
   * from 100 ms) before its caller sees them: a single 500 is invisible to code using a default
   * client. Refuse 11 times, or use a status the client does not retry (403, 409, 422...), to make
   * the caller see the failure.
   */
  public Fault failNext(String method, Predicate<String> path, int status, int times) {
    String verb = method.toUpperCase(Locale.ROOT);
    return failNext(request -> request.getMethod().equalsIgnoreCase(verb) && path.test(request.getPath()), status, times);
  }

  /** As {@link #failNext(String, Predicate, int, int)}, for any predicate on the request (headers, body...). */
  public Fault failNext(Predicate<RecordedRequest> request, int status, int times) {
    if (status < 400 || status > 599 || times < 1) {
      throw new IllegalArgumentException("status must be 4xx or 5xx and times at least 1");
    }
    Fault fault = new Fault(request, status, times);
    dispatcher.add(fault);
    return fault;
  }

  /**
   * Makes the API server this cluster's ServiceAccount issuer, as kube-apiserver is: its
   * {@code /.well-known/openid-configuration} names the issuer, and TokenRequests
   * ({@code POST .../serviceaccounts/<name>/token}) for a ServiceAccount in the store are answered
   * with tokens it signs (and records). Without it both answer 404.
   */
  public void serveServiceAccountTokens(KubernetesIssuer issuer) {
    dispatcher.issuer(issuer);
  }

  /** Forgets every fault not yet used up. */
  public void clearFaults() {
    dispatcher.clearFaults();
  }

  /** A refusal waiting for its requests; tells how many it refused so far. */
  public static final class Fault {
    private final Predicate<RecordedRequest> matches;
    private final int status;
    private final AtomicInteger remaining;
    private final AtomicInteger refused = new AtomicInteger();

    private Fault(Predicate<RecordedRequest> matches, int status, int times) {
      this.matches = matches;
      this.status = status;
      this.remaining = new AtomicInteger(times);
    }

    /** Takes this request if it matches and the fault is not used up. */
    boolean consume(RecordedRequest request) {
      if (remaining.get() <= 0 || !matches.test(request)) {
        return false;
      }
      if (remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
        return false;
      }
      refused.incrementAndGet();
      return true;
    }

    public int status() {
      return status;
    }

    /** Requests still to refuse. */
    public int remaining() {
      return remaining.get();
    }

    /** Requests refused so far. */
    public int refused() {
      return refused.get();
    }
  }

  /** A client of its own, as a second operator process would have; its requests carry this User-Agent. */
  public KubernetesClient newClient(String userAgent) {
    return server.createClient(b -> b.editOrNewConfig().withRequestTimeout(10_000).withUserAgent(userAgent).endConfig());
  }

  /**
   * A client that retries nothing itself: a refused request reaches its caller at once. The operator
   * under test uses one, so that what Keymint does with a refused write is what a test sees.
   */
  public KubernetesClient newClientWithoutRetries(String userAgent) {
    return server.createClient(b -> b.editOrNewConfig().withRequestTimeout(10_000).withUserAgent(userAgent)
        .withRequestRetryBackoffLimit(0).endConfig());
  }

  /** Every request the server received so far, oldest first (and forgets them). */
  public List<RecordedRequest> takeRequests() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      RecordedRequest request;
      while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
        requests.add(request);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }

  /** A lost request fails after 10 s (and is retried) instead of stalling a test for minutes. */
  private static KubernetesClient newClient(KubernetesMockServer server) {
    return server.createClient(b -> b.editOrNewConfig().withRequestTimeout(10_000).endConfig());
  }

  public KubernetesClient client() {
    return client;
  }

  /** Creates a fresh namespace for one test. */
  public String newNamespace(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
    watchLag.close();
  }
}
