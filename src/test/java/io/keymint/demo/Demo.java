package io.keymint.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.api.TokenStatus;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenModel;
import io.keymint.clientapp.ClientApplication;
import io.keymint.kube.Selectors;
import io.keymint.platformtoken.PlatformTokenStatus;
import io.keymint.testing.KeycloakServer;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KubernetesIssuer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every platform Keymint serves, live on this machine ({@code mvn -Pdemo verify}): a local Keycloak
 * prepared the way each platform documents itself (or an IAM stand-in on loopback), an embedded
 * Kubernetes API (the CRUD mock), Keymint started as in production ({@code KeymintOperator.start}),
 * {@code samples/} applied with only their endpoints and credentials pointed at the stand-ins. It
 * shows every resource Ready with its token's claims, an AppToken refreshed on schedule, a
 * PlatformToken whose provider rotates refresh tokens, and a late application joining a scoped
 * token; it exits 0 only if all of that happened. {@code -Ddemo.watch=true} keeps it running,
 * {@code -Ddemo.files=a.yaml,b.yaml} applies other files. Never prints a token or a secret.
 */
public final class Demo implements AutoCloseable {

  /** The host of every endpoint of the demo, the only one Keymint may send credentials to. */
  static final String LOOPBACK = "127.0.0.1";
  static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Instant STARTED = Instant.now();
  private static final String LINE = Platform.LINE;
  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  private final PrintStream out;
  private final LocalKeycloak keycloak;
  private final List<Sample> documents;
  private final List<Platform> platforms;
  private final List<Applied> applied = new ArrayList<>();
  private final ExecutorService background = Executors.newCachedThreadPool();
  /** The embedded API is also the cluster's ServiceAccount issuer, as kube-apiserver is (discovery, JWKS, TokenRequests). */
  private final KubernetesIssuer cluster = KubernetesIssuer.start();
  private KeymintFixture keymint;

  public Demo(KeycloakServer server, PrintStream out, List<Path> files) throws Exception {
    this.out = out;
    this.documents = Sample.load(files);
    Set<String> samples = documents.stream().map(Sample::platform).collect(Collectors.toSet());
    this.platforms = Stream.of(new RunAi(cluster), new OvhCloud(), new H2oAiCloud(), new Wallaroo(), new IbmWatsonx(),
        new KeycloakOffline()).filter(p -> samples.contains(p.sample())).map(Platform.class::cast).toList();
    this.keycloak = new LocalKeycloak(server);
  }

  public static void main(String[] args) throws Exception {
    String files = System.getProperty("demo.files", "");
    List<Path> roots = files.isBlank() ? List.of(Path.of("samples"))
        : Stream.of(files.split(",")).map(String::trim).map(Path::of).toList();
    System.out.println("Keymint demo: " + (files.isBlank() ? "samples/" : files) + " against a local Keycloak and an"
        + " embedded Kubernetes API; logs in target/ (Keycloak's first start also builds it: a minute more)");
    KeycloakServer server = KeycloakServer.shared(); // prints its start line; its shutdown hook stops it on Ctrl-C
    int exit = 1;
    try (Demo demo = new Demo(server, System.out, roots)) {
      exit = demo.run() ? 0 : 1;
      if (Boolean.getBoolean("demo.watch")) {
        demo.watch();
      }
    } finally {
      server.stop();
    }
    System.exit(exit);
  }

  /** Every step, in order; true when all of them happened. */
  public boolean run() throws Exception {
    // the stand-ins are prepared while Keymint starts; their lines come out in order
    List<Future<String>> prepared = platforms.stream().map(p -> background.submit(() -> p.prepare(keycloak))).toList();
    keymint = KeymintFixture.start(keycloak.keymintRealm(), Map.of(
        "KEYMINT_GRANTABLE_ROLES", "researcher,model-registry/*",
        "KEYMINT_TOKEN_URL_HOSTS", LOOPBACK));
    keymint.kube().serveServiceAccountTokens(cluster);
    for (Future<String> line : prepared) {
      say(line.get());
    }
    say(LINE.formatted("Keymint", "running on an embedded Kubernetes API (crds/ installed; its ServiceAccount issuer at "
        + cluster.issuer() + "), realm " + LocalKeycloak.KEYMINT_REALM + ", token URLs allowed on " + LOOPBACK + " only"));
    boolean ready = applyAll();
    Table.print(out, keymint, applied);
    List<Step> steps = liveSteps();
    steps.forEach(step -> say(step.line()));
    boolean all = ready && steps.stream().allMatch(Step::ok);
    say(LINE.formatted(all ? "Done" : "FAILED", "in " + Duration.between(STARTED, Instant.now()).toSeconds() + " s: "
        + applied.stream().filter(a -> a.ready(api())).count() + " of " + applied.size() + " resources Ready, none skipped; "
        + steps.stream().filter(Step::ok).count() + " of " + steps.size() + " live steps as they should be"));
    return all;
  }

  /**
   * Applies every document in kind order, each as soon as its platform can fill it in, pointed at
   * its stand-in; then waits until every Keymint resource is Ready.
   */
  private boolean applyAll() throws Exception {
    Instant start = Instant.now();
    Instant deadline = start.plus(READY_TIMEOUT);
    List<Sample> pending = new ArrayList<>(documents);
    while ((!pending.isEmpty() || !applied.stream().allMatch(this::settled)) && Instant.now().isBefore(deadline)) {
      for (Sample document : List.copyOf(pending)) {
        Optional<Platform> platform = platforms.stream().filter(p -> p.sample().equals(document.platform())).findFirst();
        if (platform.isEmpty() || platform.get().canApply(document, api())) {
          platform.ifPresent(p -> p.override(document, api()));
          apply(document);
          pending.remove(document);
        }
      }
      Thread.sleep(200);
    }
    String counts = documents.stream().filter(d -> !pending.contains(d))
        .collect(Collectors.groupingBy(Sample::kind, LinkedHashMap::new, Collectors.counting()))
        .entrySet().stream().map(e -> e.getValue() + " " + e.getKey() + (e.getValue() > 1 ? "s" : ""))
        .collect(Collectors.joining(", "));
    List<String> problems = new ArrayList<>(pending.stream().map(d -> d.id() + " (not applied)").toList());
    applied.stream().filter(a -> !settled(a)).forEach(a -> problems.add(a + " (" + a.readiness(api()) + ")"));
    say(LINE.formatted("Applied", counts + (problems.isEmpty()
        ? ": all Ready in " + Duration.between(start, Instant.now()).toMillis() / 100 / 10.0 + " s"
        : "; after " + READY_TIMEOUT.toSeconds() + " s not Ready: " + String.join(", ", problems))));
    return problems.isEmpty();
  }

  private void apply(Sample document) throws Exception {
    HasMetadata resource = document.toResource();
    if (resource == null) {
      say(LINE.formatted("Not applied", document.id() + ": the demo applies only " + Sample.KINDS.keySet()));
      return;
    }
    if (!"Namespace".equals(document.kind()) && api().namespaces().withName(document.namespace()).get() == null) {
      api().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(document.namespace()).endMetadata()
          .build()).create();
    }
    api().resource(resource).createOr(existing -> existing.update());
    if (document.isKeymint()) {
      applied.add(Applied.of(document));
    }
  }

  /** Ready, and an audience AppToken has caught up with every application its selector matches. */
  private boolean settled(Applied resource) {
    if (!resource.ready(api())) {
      return false;
    }
    if (!(resource.get(api()) instanceof AppToken token) || token.getSpec().audience == null) {
      return true;
    }
    Set<String> matching = api().resources(ClientApplication.class).inNamespace(resource.namespace()).list().getItems()
        .stream().filter(app -> Selectors.matches(token.getSpec().audience.selector, app.getMetadata().getLabels()))
        .filter(app -> app.getSpec() != null && !AppTokenModel.grantableOn(token, app.getSpec().roles).isEmpty())
        .map(app -> app.getMetadata().getName()).collect(Collectors.toSet());
    List<String> matched = token.getStatus().matchedApplications;
    return matched != null && matching.equals(new HashSet<>(matched));
  }

  /**
   * While a new group=a application joins OVHcloud's scoped token, waits for the next scheduled
   * refresh of an AppToken that the late application does not concern, and for one of a
   * PlatformToken whose provider rotates refresh tokens (H2O's, when its sample is applied).
   */
  private List<Step> liveSteps() throws Exception {
    Optional<Applied> appToken = dueFirst("AppToken", a -> ((AppToken) a.get(api())).getSpec().audience == null)
        .or(() -> dueFirst("AppToken", a -> true));
    Optional<Applied> rotating = applied.stream().filter(a -> a.id().equals("PlatformToken/h2o")).findFirst()
        .or(() -> dueFirst("PlatformToken", a -> ((PlatformTokenStatus) a.status(api())).credentialRotatedAt != null));
    var refresh = background.submit(() -> appToken.map(t -> Refresh.ofToken(keymint, t, READY_TIMEOUT)));
    var rotation = background.submit(() -> rotating.map(t -> Refresh.ofRotatingToken(keymint, t, READY_TIMEOUT)));
    List<Step> steps = new ArrayList<>();
    for (Platform platform : platforms) {
      if (platform instanceof OvhCloud ovh) {
        steps.add(ovh.lateApplicationJoins(keymint));
      }
      if (platform instanceof RunAi runAi) {
        runAi.keylessWorkload(keymint, documents).ifPresent(steps::add);
      }
    }
    refresh.get().ifPresent(steps::add);
    rotation.get().ifPresent(steps::add);
    return steps;
  }

  /** The Ready token resource of this kind, among those eligible, that is due for refresh first. */
  private Optional<Applied> dueFirst(String kind, Predicate<Applied> eligible) {
    return applied.stream().filter(a -> a.kind().equals(kind))
        .filter(a -> a.status(api()) instanceof TokenStatus s && s.isReady() && s.refreshAt != null && eligible.test(a))
        .min(Comparator.comparing(a -> ((TokenStatus) a.status(api())).refreshAt));
  }

  /** Shows the table again every 30 s until Ctrl-C. */
  private void watch() throws InterruptedException {
    say(LINE.formatted("Watching", "the table again every 30 s; Ctrl-C stops Keymint and Keycloak"));
    while (true) {
      Thread.sleep(30_000);
      Table.print(out, keymint, applied);
    }
  }

  /** One line of the demo: on its output, and in target/demo.log among Keymint's lines. */
  private void say(String line) {
    out.println(line);
    log.info(line);
  }

  /** The embedded Kubernetes API, as a user's kubectl would see it. */
  public KubernetesClient api() {
    return keymint.client();
  }

  /** Stops Keymint and the stand-ins, and removes the demo's realms. */
  @Override
  public void close() {
    background.shutdownNow();
    if (keymint != null) {
      keymint.close();
    }
    platforms.forEach(Platform::close);
    keycloak.close();
    cluster.close();
  }
}
