package io.keymint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.keymint.apptoken.AppTokenReconciler;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationReconciler;
import io.keymint.config.ConfigException;
import io.keymint.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.kube.ClusterIssuer;
import io.keymint.kube.NamespaceFairness;
import io.keymint.kube.SharedSecrets;
import io.keymint.kube.UserChanges;
import io.keymint.keycloak.RolePolicy;
import io.keymint.oauth.TokenEndpoint;
import io.keymint.observe.HealthServer;
import io.keymint.observe.KeymintMetrics;
import io.keymint.platformtoken.FingerprintKey;
import io.keymint.platformtoken.PlatformTokenReconciler;
import io.keymint.token.TokenUrlPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HashSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Keymint's reconcilers on one JOSDK operator, with the long-lived gateways they share and the
 * health and metrics endpoint. The command line and the tests start Keymint through this one
 * class, so they run the same code.
 */
public final class KeymintOperator implements AutoCloseable {

  private final Operator operator;
  private final KeycloakGateway keycloak;
  private final TokenEndpoint tokens;
  private final HealthServer http;

  private KeymintOperator(Operator operator, KeycloakGateway keycloak, TokenEndpoint tokens, HealthServer http) {
    this.operator = operator;
    this.keycloak = keycloak;
    this.tokens = tokens;
    this.http = http;
  }

  /** The lease the replicas of one Keymint deployment compete for (in the operator's namespace). */
  public static final String LEASE_NAME = "keymint-leader";

  /**
   * Starts Keymint.
   *
   * @param exitWhenLeadershipLost with leader election: end the process when this replica loses the
   *     lease, so that Kubernetes restarts it as a follower (true in production; tests run several
   *     operators in one JVM and pass false)
   */
  public static KeymintOperator start(KubernetesClient client, OperatorConfig config, Clock clock,
      boolean exitWhenLeadershipLost) {
    KeymintMetrics metrics = new KeymintMetrics();
    KeycloakGateway keycloak = config.keycloak() == null ? null
        : new KeycloakGateway(config.keycloak(), new RolePolicy(config.grantableRoles()), metrics);
    TokenEndpoint tokens = new TokenEndpoint(clock, metrics, new TokenUrlPolicy(config.tokenUrlHosts(), config.allowHttp()),
        config.keycloak() == null ? null : config.keycloak().url());
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withConcurrentReconciliationThreads(config.reconcileThreads())
        .withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        // Watch events arrive after Keymint's own writes have returned: with resourceVersions compared
        // as numbers (etcd's revisions; a version that is not a number falls back to exact matching),
        // the answer of a write stays in JOSDK's overlay cache until the informer has caught up, so the
        // next reconcile neither repeats the write nor mints again.
        .withParseResourceVersions(true)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()))
        .withLeaderElectionConfiguration(config.leaderElection()
            ? LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
                .withLeaseNamespace(leaseNamespace(config, client))
                .withIdentity(identity()).withExitOnStopLeading(exitWhenLeadershipLost)
                .withLeaderCallbacks(new LeaderCallbacks(() -> metrics.leading(true), () -> metrics.leading(false),
                    leader -> { }))
                .build()
            : null));
    // One share per namespace across the three kinds: its ClientApplications, AppTokens and
    // PlatformTokens together hold at most KEYMINT_MAX_CONCURRENT_PER_NAMESPACE of the threads.
    NamespaceFairness fairness = new NamespaceFairness(config.maxConcurrentPerNamespace(),
        ThreadLocalRandom.current()::nextDouble, clock, metrics);
    ClusterIssuer clusterIssuer = new ClusterIssuer(client, config.clusterIdentity().issuer());
    // Each kind of Secret Keymint writes is watched once: the applications' Secrets by the
    // ClientApplication reconciler, shared with the token reconcilers that mint with them
    SharedSecrets applicationSecrets = new SharedSecrets(ClientApplication.KIND);
    operator.register(new ClientApplicationReconciler(config, fairness, keycloak, clusterIssuer, applicationSecrets, clock),
        o -> watch(o, config));
    operator.register(new AppTokenReconciler(config, fairness, keycloak, tokens, applicationSecrets, clock, metrics),
        o -> watch(o, config));
    FingerprintKey fingerprints = FingerprintKey.loadOrCreate(client, operatorNamespace(config, client));
    operator.register(new PlatformTokenReconciler(config, fairness, tokens, fingerprints, applicationSecrets, clock, metrics),
        o -> watch(o, config));
    operator.start();
    if (!config.leaderElection()) {
      metrics.leading(true); // a single replica reconciles from the start
    }
    HealthServer http = HealthServer.start(config.httpPort(),
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
        metrics::scrape);
    return new KeymintOperator(operator, keycloak, tokens, http);
  }

  /**
   * Keymint's own namespace (its fingerprint key lives there): KEYMINT_LEADER_ELECTION_NAMESPACE,
   * else the pod's namespace in a cluster or the kubeconfig context's, else {@code default}, as
   * kubectl does.
   */
  private static String operatorNamespace(OperatorConfig config, KubernetesClient client) {
    return config.leaderElectionNamespace() != null ? config.leaderElectionNamespace()
        : client.getNamespace() != null ? client.getNamespace() : "default";
  }

  /** The Lease's namespace: the setting, else the pod's or the kubeconfig context's; none of them is a start-up error. */
  private static String leaseNamespace(OperatorConfig config, KubernetesClient client) {
    String namespace = config.leaderElectionNamespace() != null ? config.leaderElectionNamespace() : client.getNamespace();
    if (namespace == null) {
      throw new ConfigException("KEYMINT_LEADER_ELECTION_NAMESPACE is required with KEYMINT_LEADER_ELECTION=true when"
          + " Keymint runs outside a cluster and the kubeconfig context names no namespace");
    }
    return namespace;
  }

  /** This replica's name in the lease: the pod's host name, made unique. */
  private static String identity() {
    String host = System.getenv("HOSTNAME");
    try {
      host = host != null ? host : InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "keymint";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Where each controller watches, and which updates of its resources start a reconcile (not its own status writes). */
  private static <R extends HasMetadata> void watch(ControllerConfigurationOverrider<R> overrider, OperatorConfig config) {
    overrider.withOnUpdateFilter(UserChanges.filter());
    if (!config.watchNamespaces().isEmpty()) {
      overrider.settingNamespaces(new HashSet<>(config.watchNamespaces()));
    }
  }

  /** The Keycloak gateway, or null when no Keycloak is configured. */
  public KeycloakGateway keycloak() {
    return keycloak;
  }

  /** The token endpoint client shared by the token reconcilers. */
  public TokenEndpoint tokens() {
    return tokens;
  }

  /** The port of /healthz, /readyz and /metrics. */
  public int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    http.close();
    operator.stop();
    if (keycloak != null) {
      keycloak.close();
    }
  }
}
