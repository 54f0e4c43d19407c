package io.keymint.apptoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.AuthMethod;
import io.keymint.api.Labels;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.Reasons;
import io.keymint.clientapp.ApplicationCredentials;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationModel;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.clientapp.ClientApplicationStatus;
import io.keymint.clientapp.ServiceAccountBinding;
import io.keymint.config.OperatorConfig;
import io.keymint.keycloak.DesiredClient;
import io.keymint.keycloak.KeycloakGateway;
import io.keymint.keycloak.OwnedClient;
import io.keymint.keycloak.OwnerMark;
import io.keymint.kube.Backoff;
import io.keymint.kube.Caches;
import io.keymint.kube.Finalizers;
import io.keymint.kube.Hashes;
import io.keymint.kube.NamespaceFairness;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretInformers;
import io.keymint.kube.SecretOwners;
import io.keymint.kube.SecretReferences;
import io.keymint.kube.SharedSecrets;
import io.keymint.kube.ServiceAccountTokens;
import io.keymint.kube.Selectors;
import io.keymint.kube.Times;
import io.keymint.oauth.ClientAuthentication;
import io.keymint.oauth.ClientKey;
import io.keymint.oauth.TokenEndpoint;
import io.keymint.observe.KeymintMetrics;
import io.keymint.oauth.TokenRequest;
import io.keymint.token.TokenReconciler;
import io.keymint.token.TokenSource;
import io.keymint.token.TokenUrlPolicy;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an AppToken's access token fresh, from one of three sources: a ClientApplication's own
 * service account, a dedicated client granted roles on every matching ClientApplication
 * (audience), or an external identity provider's client credentials.
 */
@ControllerConfiguration(name = "apptoken", generationAwareEventProcessing = false, triggerReconcilerOnAllEvents = true)
public class AppTokenReconciler extends TokenReconciler<AppToken, AppTokenStatus> {

  private static final Logger log = LoggerFactory.getLogger(AppTokenReconciler.class);
  /**
   * Only on audience AppTokens, from before their dedicated client is made until it is deleted: the
   * other sources leave nothing behind, so they carry no finalizer and cost no write for one. The
   * name JOSDK gave it when it put one on every AppToken, so those are recognised.
   */
  static final String FINALIZER = ReconcilerUtils.getDefaultFinalizerName(AppToken.class);

  private final OperatorConfig config;
  private final KeycloakGateway keycloak;
  private final TokenEndpoint tokens;
  private final TokenUrlPolicy tokenUrlPolicy;
  /** The applications' Secrets, watched once by the ClientApplication reconciler. */
  private final SharedSecrets applicationSecrets;

  public AppTokenReconciler(OperatorConfig config, NamespaceFairness fairness, KeycloakGateway keycloak,
      TokenEndpoint tokens, SharedSecrets applicationSecrets, Clock clock, KeymintMetrics metrics) {
    super(config, fairness, clock, metrics);
    this.applicationSecrets = applicationSecrets;
    this.config = config;
    this.keycloak = keycloak;
    this.tokens = tokens;
    this.tokenUrlPolicy = new TokenUrlPolicy(config.tokenUrlHosts(), config.allowHttp());
  }

  @Override
  public List<EventSource<?, AppToken>> prepareEventSources(EventSourceContext<AppToken> context) {
    IndexedResourceCache<AppToken> primaries = context.getPrimaryCache();
    // ClientApplications: the one an AppToken refers to, and those its audience selects (or selected).
    var applications = InformerEventSourceConfiguration.from(ClientApplication.class, AppToken.class)
        .withSecondaryToPrimaryMapper((ClientApplication app) -> primaries.list(app.getMetadata().getNamespace())
            .filter(t -> concerns(t, app))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withNamespacesInheritedFromController()
        .build();
    var applicationCache = new InformerEventSource<>(applications, context);
    // Kept whole: its token Secrets; its applications' Secrets come from the ClientApplication reconciler's
    // watch, which wakes the AppTokens minting with them
    SecretOwners owners = SecretOwners.of(SecretOwners.primaries(context, t -> Set.of(AppTokenModel.secretNameOf(t))));
    SecretReferences<AppToken> references = SecretReferences.indexed(context, AppTokenReconciler::referencedSecrets);
    return List.of(SecretInformers.own(context, OutputSecrets.selectorFor(AppToken.KIND), references, owners),
        SecretInformers.others(context, references), applicationCache,
        applicationSecrets.wakeUps(context,
            t -> LocalObjectReference.nameOf(t.getSpec() == null ? null : t.getSpec().clientApplicationRef)),
        fairness.wakeUps(AppToken.KIND));
  }

  /**
   * JOSDK hands every event here, deletions included (no Cleaner: see {@link #FINALIZER}). An AppToken
   * with the finalizer that is being deleted, or that is no longer an audience token, first has its
   * dedicated client deleted and then loses the finalizer.
   */
  @Override
  public UpdateControl<AppToken> reconcile(AppToken token, Context<AppToken> context) {
    if (context.isPrimaryResourceDeleted()) {
      return UpdateControl.noUpdate(); // gone: a dedicated client was deleted before its finalizer was
    }
    boolean audience = token.getSpec() != null && token.getSpec().audience != null;
    if (token.hasFinalizer(FINALIZER) && (token.isMarkedForDeletion() || !audience)) {
      UpdateControl<AppToken> cleanedUp = fairness.reconcile(token, () -> cleanUp(token, context));
      if (token.isMarkedForDeletion() || token.hasFinalizer(FINALIZER)) {
        return cleanedUp; // deleted, deferred, or Keycloak not reachable yet
      }
    }
    return token.isMarkedForDeletion() ? UpdateControl.noUpdate() : super.reconcile(token, context);
  }

  @Override
  protected Plan plan(AppToken token, Context<AppToken> context, Instant now) {
    AppTokenModel model = AppTokenModel.from(token, tokenUrlPolicy);
    TokenSource source = switch (model.source()) {
      case APPLICATION -> fromApplication(token, model, context);
      case AUDIENCE -> fromAudience(token, model, context, now);
      case CLIENT_CREDENTIALS -> fromClientCredentials(token, model, context);
    };
    if (model.source() != AppTokenModel.Source.AUDIENCE) {
      forgetDedicatedClient(token.getStatus()); // deleted with the finalizer, if it ever had one
    }
    AppTokenSpec spec = token.getSpec();
    return new Plan(model.secretName(), spec.secret, spec.refresh, spec.rolloutRestart, source);
  }

  @Override
  protected AppTokenStatus newStatus() {
    return new AppTokenStatus();
  }

  /** Source 1: a ClientApplication's own service account (client_credentials with its Secret). */
  private TokenSource fromApplication(AppToken token, AppTokenModel model, Context<AppToken> context) {
    ClientApplication application = Caches.get(context, ClientApplication.class, token.getMetadata().getNamespace(),
        token.getSpec().clientApplicationRef.name);
    if (application != null && application.getSpec() != null
        && application.getSpec().clientAuthentication == ClientApplicationSpec.ClientAuthentication.ServiceAccount) {
      return fromServiceAccount(token, model, application, context);
    }
    ApplicationCredentials app = ApplicationCredentials.resolve(context, applicationSecrets, token.getMetadata().getNamespace(),
        token.getSpec().clientApplicationRef.name);
    if (app.publicClient()) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "ClientApplication '"
          + token.getSpec().clientApplicationRef.name + "' is a Public client: it has no service account to mint tokens with");
    }
    return new TokenSource(Hashes.of("application", app.version(), model.scope()), () -> tokens.request(
        TokenRequest.clientCredentials(app.tokenUrl(), app.client(), model.scope())));
  }

  /**
   * Source 1 for an application that authenticates as its ServiceAccount: for every token, a fresh
   * ServiceAccount token from the API server (TokenRequest, ten minutes) is the client assertion. Keymint
   * decides everything but the ServiceAccount's name: the namespace is the AppToken's own, the audience
   * the realm's issuer and the token endpoint the realm's, both from Keymint's own Keycloak URL (never
   * from the application's Secret or status, which a tenant can write). The name is checked as the
   * application checks it, and used only once the application shows it bound.
   */
  private TokenSource fromServiceAccount(AppToken token, AppTokenModel model, ClientApplication application,
      Context<AppToken> context) {
    String name = application.getMetadata().getName();
    ClientApplicationStatus bound = application.getStatus();
    String serviceAccountName = application.getSpec().serviceAccountName;
    if (bound == null || !bound.isReady() || serviceAccountName == null
        || !serviceAccountName.equals(bound.serviceAccountName) || bound.clientId == null) {
      throw ReconcileException.retryable(Reasons.CLIENT_APPLICATION_NOT_READY, "ClientApplication '" + name
          + "' is not Ready with its ServiceAccount yet");
    }
    String realm = ClientApplicationModel.realmOf(application, config);
    if (keycloak == null || !config.realmAllowed(realm)) {
      throw ReconcileException.retryable(Reasons.CLIENT_APPLICATION_NOT_READY, "ClientApplication '" + name
          + "' is not provisioned in an allowed realm of this Keymint");
    }
    ServiceAccountBinding serviceAccount = ServiceAccountBinding.of(token.getMetadata().getNamespace(), serviceAccountName,
        config.clusterIdentity().allowDefaultServiceAccount());
    String audience = keycloak.issuerUrl(realm);
    ClientAuthentication client = ClientAuthentication.federatedJwt(bound.clientId, () -> ServiceAccountTokens.request(
        context.getClient(), serviceAccount.namespace(), serviceAccount.name(), audience));
    return new TokenSource(Hashes.of("serviceAccount", application.getMetadata().getUid(), bound.clientId,
        serviceAccount.subject(), audience, model.scope()), () -> tokens.request(TokenRequest.clientCredentials(
            URI.create(keycloak.tokenUrl(realm)), client, model.scope())));
  }

  /**
   * Source 2: a dedicated client with the requested roles on every matching ClientApplication. The
   * token waits until every matching application is provisioned, so that it is minted once, with
   * all of them; each grant is checked in Keycloak against the application's ownership mark.
   */
  private TokenSource fromAudience(AppToken token, AppTokenModel model, Context<AppToken> context, Instant now) {
    if (keycloak == null) {
      throw ReconcileException.permanent(Reasons.KEYCLOAK_NOT_CONFIGURED,
          "audience tokens need a Keycloak (KEYMINT_KEYCLOAK_URL is not set)");
    }
    AppTokenStatus status = token.getStatus();
    Audience audience = Audience.of(token,
        Caches.list(context, ClientApplication.class, token.getMetadata().getNamespace()), config);
    if (!audience.pending().isEmpty()) {
      throw ReconcileException.retryable(Reasons.CLIENT_APPLICATION_NOT_READY, "waiting for ClientApplication(s) "
          + String.join(", ", audience.pending()) + " to be provisioned before the token is minted with them");
    }
    if (audience.realms().size() > 1) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "the selected ClientApplications are in different realms "
          + audience.realms() + "; one token cannot span realms");
    }
    String realm = audience.realms().isEmpty() ? config.keycloak().realm() : audience.realms().first();
    String clientId = AppTokenModel.dedicatedClientId(token);
    DesiredClient desired = new DesiredClient(realm, clientId, "Keymint AppToken " + token.getMetadata().getNamespace()
        + "/" + token.getMetadata().getName(), false, false, false, List.of(), List.of(), null, new TreeSet<>(),
        new TreeSet<>(), audience.grants(), null, null, ownerMark(token), audience.owners());
    String rotation = token.getMetadata().getAnnotations() == null ? null
        : token.getMetadata().getAnnotations().get(Labels.ROTATE_SECRET);
    Secret tokenSecret = SecretInformers.cached(context, token.getMetadata().getNamespace(), model.secretName());
    String rotationAnswered = tokenSecret == null || tokenSecret.getMetadata().getAnnotations() == null ? null
        : tokenSecret.getMetadata().getAnnotations().get(Labels.ROTATION_ANSWERED);
    String hash = Hashes.of("audience", desired.hash(), rotation, model.scope());
    return new TokenSource(hash, () -> {
      // Keycloak is written only here, when a token is minted: the dedicated client and its grants
      // follow the audience, and a rotation asked for is answered once (recorded on the token Secret).
      // Every call on the client goes to one verified now: made or found by ensureClient, or the one status
      // names once Keycloak showed it carries this AppToken's mark (status is a tenant-writable record).
      Finalizers.add(context, token, FINALIZER); // before Keycloak holds anything of this AppToken
      boolean syncDue = status.clientUuid == null || !desired.hash().equals(status.clientHash)
          || Times.due(Times.parse(status.lastSyncTime), config.resyncInterval(), now);
      OwnedClient client = syncDue ? keycloak.ensureClient(desired) : keycloak.ownedClient(desired, status.clientUuid);
      status.clientUuid = client.uuid();
      if (syncDue) {
        status.clientHash = desired.hash();
        status.lastSyncTime = Times.format(now);
      }
      status.clientId = clientId; // named only now that Keycloak showed our mark on it
      status.matchedApplications = audience.names();
      if (rotation != null && !rotation.equals(rotationAnswered) && tokenSecret != null) {
        keycloak.regenerateSecret(client);
        log.info("AppToken {}/{}: rotated the secret of client {}", token.getMetadata().getNamespace(),
            token.getMetadata().getName(), clientId);
      }
      return tokens.request(TokenRequest.clientCredentials(URI.create(keycloak.tokenUrl(realm)),
          ClientAuthentication.secret(clientId, keycloak.readSecret(client), AuthMethod.ClientSecretBasic),
          model.scope()));
    }, rotation == null ? Map.of() : Map.of(Labels.ROTATION_ANSWERED, rotation));
  }

  private static OwnerMark ownerMark(AppToken token) {
    return new OwnerMark(token.getMetadata().getUid(), AppToken.KIND, token.getMetadata().getNamespace(),
        token.getMetadata().getName());
  }

  /**
   * Source 3: an external identity provider's client, with its secret or private key from a Secret.
   * The Secret's version (as the informers hold it) says whether the token is current; its content is
   * read from the API server only to mint (Keymint keeps no one else's Secret content in memory).
   */
  private TokenSource fromClientCredentials(AppToken token, AppTokenModel model, Context<AppToken> context) {
    String namespace = token.getMetadata().getNamespace();
    String secretName = token.getSpec().clientCredentials.secretRef.name;
    AppTokenModel.SecretKeys keys = model.secretKeys();
    Secret known = SecretInformers.known(context, namespace, secretName);
    if (known == null) {
      throw ReconcileException.permanent(Reasons.SECRET_NOT_FOUND, "Secret '" + secretName + "' not found");
    }
    String credentialKeys = keys.clientSecret() != null ? keys.clientSecret() : keys.privateKey() + "/" + keys.keyId();
    String hash = Hashes.of("clientCredentials", model.tokenUrl().toString(), known.getMetadata().getUid(),
        known.getMetadata().getResourceVersion(), keys.clientId(), credentialKeys, model.authMethod().name(), model.scope());
    return new TokenSource(hash, () -> {
      Secret secret = SecretInformers.read(context, namespace, secretName);
      if (secret == null) {
        throw ReconcileException.permanent(Reasons.SECRET_NOT_FOUND, "Secret '" + secretName + "' not found");
      }
      Map<String, String> data = OutputSecrets.decode(secret);
      for (String key : keys.required()) {
        if (data.get(key) == null || data.get(key).isEmpty()) {
          throw ReconcileException.permanent(Reasons.SECRET_NOT_FOUND, "Secret '" + secretName + "' has no key '" + key + "'");
        }
      }
      ClientAuthentication client = model.authMethod() == AuthMethod.PrivateKeyJwt
          ? ClientAuthentication.privateKeyJwt(data.get(keys.clientId()), ClientKey.parse(data.get(keys.privateKey()),
              data.get(keys.keyId()), "Secret '" + secretName + "' key '" + keys.privateKey() + "'"))
          : ClientAuthentication.secret(data.get(keys.clientId()), data.get(keys.clientSecret()), model.authMethod());
      return tokens.request(TokenRequest.clientCredentials(model.tokenUrl(), client, model.scope()));
    });
  }

  /** Deletes the dedicated client, then the finalizer; when Keycloak cannot be reached, tries again later. */
  private UpdateControl<AppToken> cleanUp(AppToken token, Context<AppToken> context) {
    try {
      deleteDedicatedClient(token, context);
      Finalizers.remove(context, token, FINALIZER);
      return UpdateControl.noUpdate();
    } catch (ReconcileException e) {
      log.warn("AppToken {}/{}: cannot delete its dedicated client yet: {}", token.getMetadata().getNamespace(),
          token.getMetadata().getName(), e.getMessage());
      return UpdateControl.<AppToken>noUpdate().rescheduleAfter(Backoff.after(3));
    }
  }

  private void deleteDedicatedClient(AppToken token, Context<AppToken> context) {
    AppTokenStatus status = token.getStatus();
    if (keycloak == null || status == null || status.clientId == null) {
      return; // no dedicated client was made
    }
    String realm = config.keycloak().realm();
    if (token.getSpec() != null && token.getSpec().audience != null) { // the realm of its applications, from their spec
      realm = Caches.list(context, ClientApplication.class, token.getMetadata().getNamespace()).stream()
          .filter(a -> status.matchedApplications != null && status.matchedApplications.contains(a.getMetadata().getName()))
          .map(a -> ClientApplicationModel.realmOf(a, config)).findFirst().orElse(realm);
    }
    // the mark decides: a client that is not this AppToken's is left alone
    keycloak.deleteClient(realm, AppTokenModel.dedicatedClientId(token), ownerMark(token));
  }

  private static void forgetDedicatedClient(AppTokenStatus status) {
    status.clientId = null;
    status.clientUuid = null;
    status.clientHash = null;
    status.lastSyncTime = null;
    status.matchedApplications = null;
    status.lastRotationRequest = null;
  }

  /** Whether an event on this ClientApplication concerns the AppToken. */
  static boolean concerns(AppToken token, ClientApplication app) {
    AppTokenSpec spec = token.getSpec();
    if (spec == null) {
      return false;
    }
    String name = app.getMetadata().getName();
    if (spec.clientApplicationRef != null && name.equals(spec.clientApplicationRef.name)) {
      return true;
    }
    return spec.audience != null && (Selectors.matches(spec.audience.selector, app.getMetadata().getLabels())
        || (token.getStatus() != null && token.getStatus().matchedApplications != null
            && token.getStatus().matchedApplications.contains(name)));
  }

  private static Set<String> referencedSecrets(AppToken token) {
    AppTokenSpec spec = token.getSpec();
    return spec == null || spec.clientCredentials == null || spec.clientCredentials.secretRef == null
        || spec.clientCredentials.secretRef.name == null ? Set.of() : Set.of(spec.clientCredentials.secretRef.name);
  }
}
