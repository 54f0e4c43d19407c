package io.keymint.platformtoken;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.Reasons;
import io.keymint.api.SecretKeyReference;
import io.keymint.clientapp.ApplicationCredentials;
import io.keymint.clientapp.ClientApplication;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.Hashes;
import io.keymint.kube.NamespaceFairness;
import io.keymint.kube.OutputSecrets;
import io.keymint.kube.ReconcileException;
import io.keymint.kube.SecretInformers;
import io.keymint.kube.SecretOwners;
import io.keymint.kube.SecretReferences;
import io.keymint.kube.SharedSecrets;
import io.keymint.kube.Times;
import io.keymint.oauth.ClientAuthentication;
import io.keymint.oauth.ClientKey;
import io.keymint.oauth.TokenEndpoint;
import io.keymint.observe.KeymintMetrics;
import io.keymint.oauth.TokenRequest;
import io.keymint.oauth.TokenResponse;
import io.keymint.token.TokenReconciler;
import io.keymint.token.TokenSource;
import io.keymint.token.TokenSpecs;
import io.keymint.token.TokenUrlPolicy;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a user's long-lived credential (refresh or offline token, username and password, API key)
 * into fresh access tokens. Rotated refresh tokens are kept in an operator-owned state Secret;
 * the user's own Secret is only ever read.
 */
@ControllerConfiguration(name = "platformtoken", generationAwareEventProcessing = false)
public class PlatformTokenReconciler extends TokenReconciler<PlatformToken, PlatformTokenStatus> {

  private static final Logger log = LoggerFactory.getLogger(PlatformTokenReconciler.class);

  private final TokenEndpoint tokens;
  private final TokenUrlPolicy tokenUrlPolicy;
  private final FingerprintKey fingerprints;
  /** The applications' Secrets, watched once by the ClientApplication reconciler. */
  private final SharedSecrets applicationSecrets;
  /** This process, as the holder of refresh-token locks. */
  private final String holder = "keymint-" + java.util.UUID.randomUUID();
  /** Refresh tokens the provider returned that the API server did not take yet, by PlatformToken uid. */
  private final java.util.Map<String, Pending> pending = new java.util.concurrent.ConcurrentHashMap<>();

  public PlatformTokenReconciler(OperatorConfig config, NamespaceFairness fairness, TokenEndpoint tokens,
      FingerprintKey fingerprints, SharedSecrets applicationSecrets, Clock clock, KeymintMetrics metrics) {
    super(config, fairness, clock, metrics);
    this.applicationSecrets = applicationSecrets;
    this.tokens = tokens;
    this.fingerprints = fingerprints;
    this.tokenUrlPolicy = new TokenUrlPolicy(config.tokenUrlHosts(), config.allowHttp());
  }

  @Override
  public List<EventSource<?, PlatformToken>> prepareEventSources(EventSourceContext<PlatformToken> context) {
    IndexedResourceCache<PlatformToken> primaries = context.getPrimaryCache();
    var applications = InformerEventSourceConfiguration.from(ClientApplication.class, PlatformToken.class)
        .withSecondaryToPrimaryMapper((ClientApplication app) -> primaries.list(app.getMetadata().getNamespace())
            .filter(t -> t.getSpec() != null && t.getSpec().clientApplicationRef != null
                && app.getMetadata().getName().equals(t.getSpec().clientApplicationRef.name))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withNamespacesInheritedFromController()
        .build();
    var applicationCache = new InformerEventSource<>(applications, context);
    // Kept whole: its token and state Secrets (named as PlatformTokenModel names them); its applications'
    // Secrets come from the ClientApplication reconciler's watch, which wakes the PlatformTokens using them
    SecretOwners owners = SecretOwners.of(SecretOwners.primaries(context, t -> Set.copyOf(List.of(
        TokenSpecs.secretName(t.getSpec() == null ? null : t.getSpec().secret, t.getMetadata().getName()),
        PlatformTokenModel.stateSecretNameOf(t.getMetadata().getName())))));
    SecretReferences<PlatformToken> references = SecretReferences.indexed(context, PlatformTokenReconciler::referencedSecrets);
    return List.of(SecretInformers.own(context, OutputSecrets.selectorFor(PlatformToken.KIND), references, owners),
        SecretInformers.others(context, references), applicationCache,
        applicationSecrets.wakeUps(context,
            t -> LocalObjectReference.nameOf(t.getSpec() == null ? null : t.getSpec().clientApplicationRef)),
        fairness.wakeUps(PlatformToken.KIND));
  }

  @Override
  protected Plan plan(PlatformToken token, Context<PlatformToken> context, Instant now) {
    PlatformTokenModel model = PlatformTokenModel.from(token, tokenUrlPolicy);
    Endpoint endpoint = endpoint(token, model, context);
    Credential credential = credential(token, model, context);
    StateSecret state = new StateSecret(context.getClient(), OutputSecrets.of(context), token, model.stateSecretName(),
        fingerprints);
    TokenSource source = new TokenSource(
        Hashes.of("platform", endpoint.version(), credential.version(), model.grant().name(), model.scope()),
        () -> mint(token, model, endpoint, credential, state, now));
    PlatformTokenSpec spec = token.getSpec();
    return new Plan(model.secretName(), spec.secret, spec.refresh, spec.rolloutRestart, source);
  }

  @Override
  protected PlatformTokenStatus newStatus() {
    return new PlatformTokenStatus();
  }

  /** Where to exchange: a ClientApplication's token URL and client, or the explicit ones. */
  private record Endpoint(URI tokenUrl, ClientAuthentication client, String version) {}

  private Endpoint endpoint(PlatformToken token, PlatformTokenModel model, Context<PlatformToken> context) {
    PlatformTokenSpec spec = token.getSpec();
    String namespace = token.getMetadata().getNamespace();
    if (spec.clientApplicationRef != null) {
      ApplicationCredentials app = ApplicationCredentials.resolve(context, applicationSecrets, namespace,
          spec.clientApplicationRef.name);
      return new Endpoint(app.tokenUrl(), app.client(), app.version());
    }
    String version = model.tokenUrl() + "/" + spec.clientId + "/" + model.authMethod();
    PlatformTokenModel.ClientCredential credential = model.clientCredential();
    if (credential == null) {
      return new Endpoint(model.tokenUrl(), ClientAuthentication.none(spec.clientId), version);
    }
    Secret secret = requireSecret(context, namespace, credential.secretName());
    version += "/" + versionOf(secret);
    if (credential.privateKeyKey() == null) {
      String clientSecret = requireKey(secret, credential.secretName(), credential.secretKey());
      return new Endpoint(model.tokenUrl(), ClientAuthentication.secret(spec.clientId, clientSecret, model.authMethod()),
          version);
    }
    ClientKey key = ClientKey.parse(requireKey(secret, credential.secretName(), credential.privateKeyKey()),
        OutputSecrets.decode(secret).get(credential.keyIdKey()),
        "Secret '" + credential.secretName() + "' key '" + credential.privateKeyKey() + "'");
    return new Endpoint(model.tokenUrl(), ClientAuthentication.privateKeyJwt(spec.clientId, key),
        version + "/" + credential.privateKeyKey() + "/" + credential.keyIdKey());
  }

  /**
   * The user's long-lived credential, read from their Secret when needed (never kept in a field).
   *
   * @param where names the Secret and key(s) for messages, never a value
   */
  private record Credential(String value, String username, String where, String version) {}

  private Credential credential(PlatformToken token, PlatformTokenModel model, Context<PlatformToken> context) {
    PlatformTokenSpec.Grant grant = token.getSpec().grant;
    String namespace = token.getMetadata().getNamespace();
    if (model.grant() == PlatformTokenModel.Grant.PASSWORD) {
      PlatformTokenSpec.PasswordSecretRef ref = grant.password.secretRef;
      String usernameKey = ref.usernameKey == null ? "username" : ref.usernameKey;
      String passwordKey = ref.passwordKey == null ? "password" : ref.passwordKey;
      Secret secret = requireSecret(context, namespace, ref.name);
      return new Credential(requireKey(secret, ref.name, passwordKey), requireKey(secret, ref.name, usernameKey),
          "Secret '" + ref.name + "' (keys '" + usernameKey + "', '" + passwordKey + "')", versionOf(secret));
    }
    SecretKeyReference ref = model.grant() == PlatformTokenModel.Grant.REFRESH_TOKEN
        ? grant.refreshToken.secretRef : grant.apiKey.secretRef;
    Secret secret = requireSecret(context, namespace, ref.name);
    return new Credential(requireKey(secret, ref.name, ref.key), null,
        "Secret '" + ref.name + "' (key '" + ref.key + "')", versionOf(secret));
  }

  private TokenResponse mint(PlatformToken token, PlatformTokenModel model, Endpoint endpoint, Credential credential,
      StateSecret state, Instant now) {
    PlatformTokenStatus status = token.getStatus();
    if (model.grant() == PlatformTokenModel.Grant.API_KEY) {
      TokenResponse response = apiKey(token, endpoint, model, credential);
      status.refreshTokenExpiresAt = Times.format(response.refreshExpiresAt());
      return response;
    }
    String uid = token.getMetadata().getUid();
    Pending pending = this.pending.get(uid);
    if (pending != null) { // a refresh token the provider gave us that did not stick yet: it goes first
      persist(uid, lock(state, now), pending.refreshToken(), pending.credential());
      this.pending.remove(uid);
    }
    StateSecret.Lease lease = lock(state, now);
    TokenResponse response;
    try {
      response = model.grant() == PlatformTokenModel.Grant.REFRESH_TOKEN
          ? refresh(endpoint, model, firstNonNull(lease.refreshTokenFor(credential.value()), credential.value()), credential,
              "the refresh token in " + credential.where())
          : passwordGrant(endpoint, model, credential, lease);
    } catch (RuntimeException e) {
      lease.release();
      throw e;
    }
    if (response.refreshToken() == null) {
      lease.release();
    } else if (persist(uid, lease, response.refreshToken(), credential.value())) {
      status.credentialRotatedAt = Times.format(now);
    }
    status.refreshTokenExpiresAt = Times.format(response.refreshExpiresAt());
    return response;
  }

  /** A refresh token the provider returned and the API server has not taken yet. */
  private record Pending(String refreshToken, String credential) {}

  private StateSecret.Lease lock(StateSecret state, Instant now) {
    return state.lock(holder, now).orElseThrow(() -> ReconcileException.retryable(Reasons.REFRESH_IN_PROGRESS,
        "another Keymint process is refreshing this token right now; waiting for its result"));
  }

  /**
   * Writes the new refresh token before anything else happens with the answer; a refused write is
   * tried again at once, and a token that still did not stick is held in memory and written first
   * next time (the one it replaced is spent: presenting that again would end the user's session).
   */
  private boolean persist(String uid, StateSecret.Lease lease, String refreshToken, String credential) {
    try {
      return lease.keep(refreshToken, credential);
    } catch (ReconcileException first) {
      try {
        return lease.keep(refreshToken, credential);
      } catch (ReconcileException again) {
        pending.put(uid, new Pending(refreshToken, credential));
        throw again;
      }
    }
  }

  private TokenResponse refresh(Endpoint endpoint, PlatformTokenModel model, String refreshToken, Credential credential,
      String what) {
    try {
      return tokens.request(TokenRequest.refreshToken(endpoint.tokenUrl(), endpoint.client(), refreshToken,
          model.scope()));
    } catch (ReconcileException e) {
      throw refused(e, what + " was refused: it expired or was revoked; put a new one into " + credential.where());
    }
  }

  /** The refresh token from the last password grant while it works, else the password again. */
  private TokenResponse passwordGrant(Endpoint endpoint, PlatformTokenModel model, Credential credential,
      StateSecret.Lease lease) {
    String refreshToken = lease.refreshTokenFor(credential.value());
    if (refreshToken != null) {
      try {
        return refresh(endpoint, model, refreshToken, credential, "the kept refresh token");
      } catch (ReconcileException e) {
        if (!Reasons.INVALID_GRANT.equals(e.reason())) {
          throw e;
        }
        log.debug("PlatformToken: refresh token no longer accepted, signing in with the password again");
      }
    }
    try {
      return tokens.request(TokenRequest.password(endpoint.tokenUrl(), endpoint.client(), credential.username(),
          credential.value(), model.scope()));
    } catch (ReconcileException e) {
      throw refused(e, "the username and password in " + credential.where() + " were refused; correct them there");
    }
  }

  private TokenResponse apiKey(PlatformToken token, Endpoint endpoint, PlatformTokenModel model, Credential credential) {
    PlatformTokenSpec.ApiKeyGrant grant = token.getSpec().grant.apiKey;
    try {
      return tokens.request(TokenRequest.custom(endpoint.tokenUrl(), endpoint.client(), grant.grantType == null ? PlatformTokenModel.DEFAULT_API_KEY_GRANT : grant.grantType,
          grant.parameter == null ? PlatformTokenModel.DEFAULT_API_KEY_PARAMETER : grant.parameter,
          credential.value(), model.scope()));
    } catch (ReconcileException e) {
      throw refused(e, "the API key in " + credential.where() + " was refused; put a valid key there");
    }
  }

  /** A refused long-lived credential: InvalidGrant with a message that says what to renew. */
  private static ReconcileException refused(ReconcileException e, String advice) {
    if (e.isRetryable() || !(Reasons.INVALID_GRANT.equals(e.reason()))) {
      return e;
    }
    return ReconcileException.permanent(Reasons.INVALID_GRANT, e.getMessage() + "; " + advice);
  }

  private static Set<String> referencedSecrets(PlatformToken token) {
    PlatformTokenSpec spec = token.getSpec();
    List<String> names = new ArrayList<>();
    if (spec != null) {
      if (spec.clientSecretRef != null) {
        names.add(spec.clientSecretRef.name);
      }
      if (spec.grant != null) {
        if (spec.grant.refreshToken != null && spec.grant.refreshToken.secretRef != null) {
          names.add(spec.grant.refreshToken.secretRef.name);
        }
        if (spec.grant.password != null && spec.grant.password.secretRef != null) {
          names.add(spec.grant.password.secretRef.name);
        }
        if (spec.grant.apiKey != null && spec.grant.apiKey.secretRef != null) {
          names.add(spec.grant.apiKey.secretRef.name);
        }
      }
    }
    return Set.copyOf(names.stream().filter(n -> n != null).toList());
  }

  private static Secret requireSecret(Context<PlatformToken> context, String namespace, String name) {
    Secret secret = SecretInformers.read(context, namespace, name);
    if (secret == null) {
      throw ReconcileException.permanent(Reasons.SECRET_NOT_FOUND, "Secret '" + name + "' not found");
    }
    return secret;
  }

  private static String requireKey(Secret secret, String name, String key) {
    Map<String, String> data = OutputSecrets.decode(secret);
    String value = data.get(key);
    if (value == null || value.isBlank()) {
      throw ReconcileException.permanent(Reasons.SECRET_NOT_FOUND, "Secret '" + name + "' has no key '" + key + "'");
    }
    return value.strip();
  }

  private static String versionOf(Secret secret) {
    return secret.getMetadata().getUid() + "/" + secret.getMetadata().getResourceVersion();
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }
}
