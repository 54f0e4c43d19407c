package io.keymint.testing;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers every watch event a fixed lag after the server produced it, as a real cluster does
 * (etcd, then the watch cache, then the wire): the write has returned long before its event
 * reaches an informer. Events of one watch keep their order; the lag may change at any time.
 *
 * <p>Works by wrapping the {@link WebSocket} Fabric8's CRUD dispatcher writes watch events to:
 * its {@code send} queues the message and one scheduler thread sends it when due.
 */
final class WatchLag implements AutoCloseable {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "kube-mock-watch-lag");
    thread.setDaemon(true);
    return thread;
  });
  private volatile long lagNanos;

  WatchLag(Duration lag) {
    set(lag);
  }

  void set(Duration lag) {
    if (lag.isNegative()) {
      throw new IllegalArgumentException("negative watch lag: " + lag);
    }
    lagNanos = lag.toNanos();
  }

  Duration get() {
    return Duration.ofNanos(lagNanos);
  }

  /** The same listener, but whatever it sends on the socket arrives late. */
  WebSocketListener wrap(WebSocketListener listener) {
    return new LaggingListener(listener);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private final class LaggingListener extends WebSocketListener {
    private final WebSocketListener delegate;
    private LaggingSocket socket;

    LaggingListener(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    private synchronized WebSocket lagging(WebSocket webSocket) {
      if (socket == null || socket.delegate != webSocket) {
        socket = new LaggingSocket(webSocket);
      }
      return socket;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(lagging(webSocket), response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      delegate.onOpen(lagging(webSocket), response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(lagging(webSocket), text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(lagging(webSocket), bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      delegate.onClosing(lagging(webSocket), code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      delegate.onClosed(lagging(webSocket), code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
      delegate.onFailure(lagging(webSocket), error, response);
    }
  }

  /** One watch's socket: messages leave in the order they were sent, none before its due time. */
  private final class LaggingSocket implements WebSocket {
    private final WebSocket delegate;
    private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private long lastDue;

    LaggingSocket(WebSocket delegate) {
      this.delegate = delegate;
    }

    @Override
    public RecordedRequest request() {
      return delegate.request();
    }

    @Override
    public boolean send(String text) {
      return later(() -> delegate.send(text));
    }

    @Override
    public boolean send(byte[] bytes) {
      return later(() -> delegate.send(bytes));
    }

    private synchronized boolean later(Runnable send) {
      long now = System.nanoTime();
      long due = Math.max(now + lagNanos, lastDue); // never overtake an earlier message
      lastDue = due;
      pending.add(send);
      try {
        // each task sends the oldest pending message, so equal or shrinking lags keep the order too
        scheduler.schedule(() -> {
          Runnable next = pending.poll();
          if (next != null) {
            next.run();
          }
        }, due - now, TimeUnit.NANOSECONDS);
        return true;
      } catch (RejectedExecutionException e) { // the server is shutting down
        return false;
      }
    }

    @Override
    public boolean close(int code, String reason) {
      pending.clear();
      return delegate.close(code, reason);
    }
  }
}
