package io.keymint.testing;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's request path, in order: injected faults ({@link KubernetesMock#failNext}),
 * then canned answers ({@code server.expect()}), then what the store cannot answer itself (the
 * ServiceAccount issuer's discovery and TokenRequests, once {@link KubernetesMock#serveServiceAccountTokens}
 * named an issuer), then the strict CRUD store. Like Fabric8's {@code KubernetesMixedDispatcher},
 * with the extra layers.
 */
final class RealisticDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher canned;
  private final StrictCrudDispatcher crud;
  private final List<KubernetesMock.Fault> faults = new CopyOnWriteArrayList<>();
  private static final Pattern TOKEN_REQUEST = Pattern.compile("^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/?]+)/token(\\?.*)?$");
  /** kube-apiserver refuses a TokenRequest for less than this (ValidateTokenRequest). */
  private static final long MIN_EXPIRATION_SECONDS = 600;
  private volatile KubernetesIssuer issuer;

  RealisticDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses, WatchLag watchLag) {
    this.responses = responses;
    this.canned = new MockDispatcher(responses);
    this.crud = new StrictCrudDispatcher(watchLag);
  }

  void add(KubernetesMock.Fault fault) {
    faults.add(fault);
  }

  void clearFaults() {
    faults.clear();
  }

  void issuer(KubernetesIssuer issuer) {
    this.issuer = issuer;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    for (KubernetesMock.Fault fault : faults) {
      if (fault.consume(request)) {
        if (fault.remaining() == 0) {
          faults.remove(fault);
        }
        return ApiStatus.response(fault.status(), "injected fault: " + request.getMethod() + " " + request.getPath()
            + " refused with " + fault.status(), ApiStatus.ResourcePath.parse(request.getPath()));
      }
    }
    Queue<ServerResponse> queue = responses.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (queue != null && !queue.isEmpty()) {
      return canned.dispatch(request);
    }
    if ("GET".equals(request.getMethod()) && "/.well-known/openid-configuration".equals(request.getPath())) {
      KubernetesIssuer current = issuer;
      return current == null ? ApiStatus.response(404, "the page could not be found", null)
          : new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(current.discovery());
    }
    Matcher tokenRequest = TOKEN_REQUEST.matcher(request.getPath());
    if ("POST".equals(request.getMethod()) && tokenRequest.matches()) {
      return tokenRequest(request, tokenRequest.group(1), tokenRequest.group(2));
    }
    return crud.dispatch(request);
  }

  /**
   * {@code POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token} as kube-apiserver answers it:
   * 404 without that ServiceAccount, 422 for less than ten minutes, else 201 with a token the
   * issuer signs for the requested audiences and lifetime.
   */
  private MockResponse tokenRequest(RecordedRequest request, String namespace, String name) {
    ApiStatus.ResourcePath path = ApiStatus.ResourcePath.parse(request.getPath());
    KubernetesIssuer current = issuer;
    String serviceAccountPath = "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name;
    MockResponse stored = crud.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, serviceAccountPath,
        request.getHeaders(), new io.fabric8.mockwebserver.http.Buffer()));
    if (current == null || stored.code() != 200) {
      return ApiStatus.response(404, "serviceaccounts \"" + name + "\" not found",
          new ApiStatus.ResourcePath("", "v1", namespace, "serviceaccounts", name, null));
    }
    TokenRequest asked = Serialization.unmarshal(new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8), TokenRequest.class);
    Long seconds = asked.getSpec() == null ? null : asked.getSpec().getExpirationSeconds();
    if (seconds != null && seconds < MIN_EXPIRATION_SECONDS) {
      return ApiStatus.response(422, "TokenRequest.authentication.k8s.io \"" + name + "\" is invalid:"
          + " spec.expirationSeconds: Invalid value: " + seconds + ": may not specify a duration less than 10 minutes", path);
    }
    List<String> audiences = asked.getSpec() == null || asked.getSpec().getAudiences() == null
        || asked.getSpec().getAudiences().isEmpty() ? List.of("https://kubernetes.default.svc.cluster.local")
        : asked.getSpec().getAudiences();
    long lifetime = seconds == null ? 3600 : seconds;
    String token = current.answerTokenRequest(namespace, name, audiences, seconds);
    TokenRequest answer = new TokenRequestBuilder(asked).editOrNewMetadata().withName(name).withNamespace(namespace)
        .endMetadata().editOrNewSpec().withAudiences(audiences).withExpirationSeconds(lifetime).endSpec()
        .withNewStatus().withToken(token).withExpirationTimestamp(Instant.now().plusSeconds(lifetime).toString())
        .endStatus().build();
    return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(answer));
  }

  @Override
  public void reset() {
    faults.clear();
    crud.reset();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext rdc) {
    crud.expectCustomResource(rdc);
  }

  @Override
  public void shutdown() {
    canned.shutdown();
    crud.shutdown();
  }
}
