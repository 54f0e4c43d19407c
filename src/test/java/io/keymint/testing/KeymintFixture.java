package io.keymint.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.KeymintOperator;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.OutputSecrets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Keymint running in-process against the CRUD mock API and a test realm of the real Keycloak,
 * configured the way the README tells users to: its own least-privilege admin client.
 */
public final class KeymintFixture implements AutoCloseable {

  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Every secret value a test has seen, so the run's logs can be searched for them. */
  public static final Set<String> SECRETS_SEEN = ConcurrentHashMap.newKeySet();
  private static final Set<String> SECRET_KEYS =
      Set.of("client_secret", "access_token", "id_token", "refresh_token", "token", "password", "apikey", "private_key");

  /** The User-Agent of the operator's own API client, telling its requests from the tests'. */
  public static final String OPERATOR_USER_AGENT = "keymint-operator-under-test";

  private final KubernetesMock kube;
  private final KubernetesClient operatorClient;
  private final Map<String, String> settings;
  private OperatorConfig config;
  private KeymintOperator operator;

  private KeymintFixture(KubernetesMock kube, Map<String, String> settings) {
    this.kube = kube;
    this.operatorClient = kube.newClientWithoutRetries(OPERATOR_USER_AGENT);
    this.settings = settings;
  }

  /** Keymint for this realm, with settings on top of the defaults (Keycloak URL, realm, admin client). */
  public static KeymintFixture start(TestRealm realm, Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>();
    settings.put("KEYMINT_KEYCLOAK_URL", realm.baseUrl());
    settings.put("KEYMINT_KEYCLOAK_REALM", realm.name());
    settings.put("KEYMINT_KEYCLOAK_AUTH_REALM", realm.name());
    settings.put("KEYMINT_KEYCLOAK_CLIENT_ID", realm.adminClientId());
    settings.put("KEYMINT_KEYCLOAK_CLIENT_SECRET", realm.adminClientSecret());
    settings.put("KEYMINT_ALLOW_HTTP", "true");
    settings.put("KEYMINT_HTTP_PORT", "0"); // a free port: several operators may run at once
    settings.put("KEYMINT_ROLLOUT_MIN_INTERVAL", "2s"); // restarts held back briefly, unless a test sets its own
    settings.putAll(overrides);
    SECRETS_SEEN.add(realm.adminClientSecret());
    KeymintFixture fixture = new KeymintFixture(KubernetesMock.start(), settings);
    fixture.startOperator();
    return fixture;
  }

  public void startOperator() {
    config = OperatorConfig.load(settings);
    operator = KeymintOperator.start(operatorClient, config, Clock.systemUTC(), false);
  }

  public void stopOperator() {
    operator.close();
    operator = null;
  }

  public OperatorConfig config() {
    return config;
  }

  public KeymintOperator operator() {
    return operator;
  }

  public KubernetesClient client() {
    return kube.client();
  }

  /** Another Keymint on the same API and Keycloak, with settings on top of this one's (a second replica). */
  public KeymintOperator startAnother(String userAgent, Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(settings);
    merged.putAll(overrides);
    return KeymintOperator.start(kube.newClient(userAgent), OperatorConfig.load(merged), Clock.systemUTC(), false);
  }

  /** Replaces settings for the next {@link #startOperator()}. */
  public void settings(Map<String, String> overrides) {
    settings.putAll(overrides);
  }

  public KubernetesMock kube() {
    return kube;
  }

  public String newNamespace(String prefix) {
    return kube.newNamespace(prefix);
  }

  public <T extends HasMetadata> T create(T resource) {
    return kube.client().resource(resource).create();
  }

  /** Creates a resource of one of Keymint's kinds, named in the namespace, with the spec {@code edit} fills in. */
  public <R extends CustomResource<S, ?>, S> R create(R resource, String namespace, String name, S spec, Consumer<S> edit) {
    resource.getMetadata().setName(name);
    resource.getMetadata().setNamespace(namespace);
    edit.accept(spec);
    resource.setSpec(spec);
    return create(resource);
  }

  public <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
    return kube.client().resources(type).inNamespace(namespace).withName(name).get();
  }

  /** Waits until the resource's status satisfies the predicate; returns the resource then. */
  public <T extends HasMetadata> T awaitStatus(Class<T> type, String namespace, String name,
      Function<T, KeymintStatus> status, Predicate<KeymintStatus> predicate) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> get(type, namespace, name), r -> r != null && status.apply(r) != null && predicate.test(status.apply(r)));
  }

  /** Waits until the resource's Ready condition has this status and reason; returns the resource then. */
  public <T extends CustomResource<?, ? extends KeymintStatus>> T awaitReady(Class<T> type, String namespace, String name,
      String readyStatus, String reason) {
    return awaitStatus(type, namespace, name, CustomResource::getStatus, ready(readyStatus, reason));
  }

  /** Waits until the ClientApplication is Ready (Provisioned) for its current generation; returns it then. */
  public ClientApplication awaitProvisioned(String namespace, String name) {
    return awaitStatus(ClientApplication.class, namespace, name, ClientApplication::getStatus,
        ready("True", "Provisioned").and(s -> s.observedGeneration != null
            && s.observedGeneration.equals(get(ClientApplication.class, namespace, name).getMetadata().getGeneration())));
  }

  /** Creates a ClientApplication with the spec {@code edit} makes of an empty one. */
  public ClientApplication createApplication(String namespace, String name, Consumer<ClientApplicationSpec> edit) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.setSpec(new ClientApplicationSpec());
    edit.accept(app.getSpec());
    return create(app);
  }

  /** Creates an AppToken with the application's own token ({@code clientApplicationRef}). */
  public io.keymint.apptoken.AppToken createAppToken(String namespace, String name, String application) {
    return create(new io.keymint.apptoken.AppToken(), namespace, name, new io.keymint.apptoken.AppTokenSpec(),
        spec -> spec.clientApplicationRef = new io.keymint.api.LocalObjectReference(application));
  }

  /** Creates a ServiceAccount, as a tenant does for an application that authenticates as it. */
  public void createServiceAccount(String namespace, String name) {
    create(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).endMetadata().build());
  }

  /** A predicate: Ready has this status and reason. */
  public static Predicate<KeymintStatus> ready(String readyStatus, String reason) {
    return s -> {
      Condition c = s.condition(Condition.READY);
      return c != null && readyStatus.equals(c.status) && reason.equals(c.reason);
    };
  }

  /** Edits the latest version of a resource, again on a conflict (the operator writes status meanwhile). */
  public <T extends HasMetadata> void edit(Class<T> type, String namespace, String name, java.util.function.Consumer<T> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        kube.client().resource(get(type, namespace, name)).edit(r -> {
          change.accept(r);
          return r;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** Deletes the namespace's token resources, so that nothing of a finished test keeps refreshing. */
  public void deleteTokens(String namespace) {
    kube.client().resources(io.keymint.apptoken.AppToken.class).inNamespace(namespace).delete();
    kube.client().resources(io.keymint.platformtoken.PlatformToken.class).inNamespace(namespace).delete();
  }

  public Secret secret(String namespace, String name) {
    return kube.client().secrets().inNamespace(namespace).withName(name).get();
  }

  /** The decoded data of a Secret; its values are remembered for the log leak check. */
  public Map<String, String> secretData(String namespace, String name) {
    Secret secret = secret(namespace, name);
    if (secret == null) {
      return null;
    }
    Map<String, String> data = OutputSecrets.decode(secret);
    data.forEach((k, v) -> {
      if (SECRET_KEYS.contains(k)) {
        SECRETS_SEEN.add(v);
      }
      if ("private_key".equals(k)) { // a PEM spans lines: each line of its body, and the body on one line
        java.util.List<String> body = v.lines().filter(l -> !l.startsWith("-----")).toList();
        SECRETS_SEEN.addAll(body);
        SECRETS_SEEN.add(String.join("", body));
      }
    });
    return data;
  }

  /**
   * The end of an integration test class: stops Keymint (if it started) and checks that no log line
   * of the run held a secret, key or token that a test saw.
   */
  public static void stopAndCheckLogs(KeymintFixture keymint) {
    if (keymint != null) {
      keymint.close();
    }
    org.assertj.core.api.Assertions.assertThat(LogCapture.linesContainingAny(SECRETS_SEEN))
        .as("log lines with a secret, key or token").isEmpty();
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    operatorClient.close();
    kube.close();
  }
}
