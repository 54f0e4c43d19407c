package io.keymint.testing;

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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The mock API server's request path, in order: injected faults ({@link KubernetesMock#failNext}),
 * then canned answers ({@code server.expect()}), then the strict CRUD store. Like Fabric8's
 * {@code KubernetesMixedDispatcher}, with the two extra layers.
 */
final class RealisticDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher canned;
  private final StrictCrudDispatcher crud;
  private final List<KubernetesMock.Fault> faults = new CopyOnWriteArrayList<>();

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
    return crud.dispatch(request);
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
