package io.keymint.observe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (the operator runs and its informers are
 * healthy), {@code /metrics} (Prometheus text), answered whatever other clients do on the port:
 *
 * <ul>
 *   <li>One selector thread reads every request head and writes every response without blocking,
 *       so an idle or slow connection costs a buffer, never a thread; it answers {@code /healthz}
 *       itself.
 *   <li>{@code /readyz} and {@code /metrics} each run on a thread of their own, so a slow scrape
 *       delays neither probe; at most {@link Limits#maxPerEndpoint} requests per endpoint are
 *       taken at a time (queued, running or being written), more get 503.
 *   <li>A request head must arrive whole within {@link Limits#requestTimeout} of the connection's
 *       accept and be at most {@link Limits#maxHeadBytes} long (else 431); the answer must be
 *       produced and written within {@link Limits#responseTimeout}. A connection past its deadline
 *       is closed. One request per connection ({@code Connection: close}); a body is never read.
 *   <li>At most {@link Limits#maxConnections} connections; a new one closes the oldest connection
 *       still waiting for its head (or already answered), so a probe that sends its request at once
 *       is served even when others fill the port with idle connections.
 * </ul>
 *
 * <p>Why not the JDK's {@code HttpServer}: its executor threads read request heads with blocking
 * reads, so two connections that sent {@code GET /heal} held both threads and the probes got no
 * answer; {@code sun.net.httpserver.maxReqTime} (JVM-wide, off by default) closes a request that
 * waited in the executor's queue behind the slow ones as well, probes included.
 */
public final class HealthServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HealthServer.class);

  /** What clients may cost; {@link #DEFAULT} in production, shorter in tests. */
  record Limits(Duration requestTimeout, Duration responseTimeout, int maxConnections, int maxHeadBytes,
      int maxPerEndpoint) {
    static final Limits DEFAULT = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(30), 64, 8 * 1024, 4);
  }

  private record Response(int status, String contentType, byte[] body) {
    static Response text(int status, String body) {
      return new Response(status, "text/plain", body.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** After its answer, a connection's unread input is read and dropped for this long before closing. */
  private static final long LINGER_NANOS = Duration.ofSeconds(2).toNanos();
  private static final int LINGER_BYTES = 1024 * 1024;
  private static final long TICK_MILLIS = 100;

  private final Limits limits;
  private final Selector selector;
  private final ServerSocketChannel listener;
  private final Worker readyz;
  private final Worker metrics;
  /** Every open connection in the order accepted; touched by the selector thread only, as the rest below. */
  private final LinkedHashSet<Connection> connections = new LinkedHashSet<>();
  private final ByteBuffer discard = ByteBuffer.allocate(8 * 1024);
  private final Queue<Runnable> fromWorkers = new ConcurrentLinkedQueue<>();
  private final Thread loop;
  private volatile boolean open = true;
  /** While accepting fails (out of file descriptors), accepting pauses for a tick instead of spinning. */
  private long acceptPausedUntil;
  private boolean acceptPaused;

  private HealthServer(ServerSocketChannel listener, Selector selector, Limits limits, BooleanSupplier ready,
      Supplier<String> scrape) {
    this.listener = listener;
    this.selector = selector;
    this.limits = limits;
    this.readyz = new Worker("keymint-http-readyz", () -> {
      boolean isReady = ready.getAsBoolean();
      return Response.text(isReady ? 200 : 503, isReady ? "ready\n" : "not ready\n");
    });
    this.metrics = new Worker("keymint-http-metrics", () -> new Response(200,
        "text/plain; version=0.0.4; charset=utf-8", scrape.get().getBytes(StandardCharsets.UTF_8)));
    this.loop = daemon("keymint-http", this::run);
    loop.start();
  }

  /** Listens on all interfaces (a kubelet probes the pod IP); port 0 picks a free port. */
  public static HealthServer start(int port, BooleanSupplier ready, Supplier<String> metrics) {
    return start(port, ready, metrics, Limits.DEFAULT);
  }

  static HealthServer start(int port, BooleanSupplier ready, Supplier<String> metrics, Limits limits) {
    try {
      ServerSocketChannel listener = ServerSocketChannel.open();
      try {
        listener.bind(new InetSocketAddress(port), 1024);
        listener.configureBlocking(false);
        Selector selector = Selector.open();
        listener.register(selector, SelectionKey.OP_ACCEPT);
        return new HealthServer(listener, selector, limits, ready, metrics);
      } catch (IOException | RuntimeException e) {
        listener.close();
        throw e;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on port " + port + " for /healthz, /readyz and /metrics", e);
    }
  }

  public int port() {
    return listener.socket().getLocalPort();
  }

  @Override
  public void close() {
    open = false;
    selector.wakeup();
    try {
      loop.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readyz.thread.shutdownNow();
    metrics.thread.shutdownNow();
  }

  private void run() {
    try {
      while (open) {
        selector.select(TICK_MILLIS);
        for (Runnable answer = fromWorkers.poll(); answer != null; answer = fromWorkers.poll()) {
          answer.run();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && key.isAcceptable()) {
            accept();
          } else if (key.isValid()) {
            ((Connection) key.attachment()).ready();
          }
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        for (Connection connection : List.copyOf(connections)) {
          if (now - connection.deadline >= 0) {
            connection.close();
          }
        }
        if (acceptPaused && now - acceptPausedUntil >= 0) {
          acceptPaused = false;
          listener.keyFor(selector).interestOps(SelectionKey.OP_ACCEPT);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.error("The health and metrics server stopped: {}", e.toString(), e);
    } finally {
      List.copyOf(connections).forEach(Connection::close);
      closeQuietly(listener);
      closeQuietly(selector);
    }
  }

  private void accept() {
    SocketChannel channel;
    try {
      channel = listener.accept();
    } catch (IOException e) {
      log.warn("The health and metrics server cannot accept a connection: {}", e.toString());
      acceptPaused = true;
      acceptPausedUntil = System.nanoTime() + Duration.ofMillis(TICK_MILLIS).toNanos();
      listener.keyFor(selector).interestOps(0);
      return;
    }
    if (channel == null) {
      return;
    }
    if (connections.size() >= limits.maxConnections()) {
      // the oldest that still waits for its head or has been answered; none when all are being answered
      Connection evicted = connections.stream().filter(c -> c.received != null || c.lingering).findFirst().orElse(null);
      if (evicted == null) {
        closeQuietly(channel);
        return;
      }
      evicted.close();
    }
    try {
      channel.configureBlocking(false);
      connections.add(new Connection(channel));
    } catch (IOException e) {
      closeQuietly(channel);
    }
  }

  /** One client connection, driven by the selector thread: head, answer, lingering close. */
  private final class Connection {
    private final SocketChannel channel;
    private final SelectionKey key;
    /** The head so far while it is being read, then null. */
    private ByteBuffer received = ByteBuffer.allocate(limits.maxHeadBytes());
    private boolean head;
    private ByteBuffer answer;
    private boolean lingering;
    private long drained;
    private long deadline = System.nanoTime() + limits.requestTimeout().toNanos();
    /** The worker that took the request, and whether it has answered (so that its slot can be given back). */
    private Worker worker;
    private boolean workerAnswered;

    Connection(SocketChannel channel) throws IOException {
      this.channel = channel;
      this.key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    void ready() {
      try {
        if (key.isReadable() && received != null) {
          read();
        } else if (key.isReadable() && lingering) {
          drain();
        } else if (key.isWritable()) {
          write();
        }
      } catch (IOException | RuntimeException e) {
        close();
      }
    }

    private void read() throws IOException {
      int scanned = received.position();
      if (channel.read(received) < 0) {
        close();
        return;
      }
      int end = RequestHead.end(received.array(), scanned - 3, received.position());
      if (end < 0 && !received.hasRemaining()) {
        respond(Response.text(431, "request head larger than " + limits.maxHeadBytes() + " bytes\n"));
      } else if (end >= 0) {
        RequestHead request = RequestHead.parse(received.array(), end);
        head = request != null && request.method().equals("HEAD");
        deadline = System.nanoTime() + limits.responseTimeout().toNanos();
        received = null;
        key.interestOps(0);
        dispatch(request);
      }
    }

    private void dispatch(RequestHead request) {
      if (request == null) {
        respond(Response.text(400, "bad request\n"));
      } else if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
        respond(Response.text(405, "only GET and HEAD\n"));
      } else if (request.path().equals("/healthz")) {
        respond(Response.text(200, "ok\n"));
      } else if (request.path().equals("/readyz")) {
        readyz.take(this);
      } else if (request.path().equals("/metrics")) {
        metrics.take(this);
      } else {
        respond(Response.text(404, "not found\n"));
      }
    }

    void respond(Response response) {
      if (!channel.isOpen()) {
        return;
      }
      byte[] fields = ("HTTP/1.1 " + response.status() + " " + reason(response.status())
          + "\r\nContent-Type: " + response.contentType()
          + "\r\nContent-Length: " + response.body().length
          + (response.status() == 405 ? "\r\nAllow: GET, HEAD" : "")
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
      answer = ByteBuffer.allocate(fields.length + (head ? 0 : response.body().length)).put(fields);
      if (!head) {
        answer.put(response.body());
      }
      answer.flip();
      received = null;
      key.interestOps(SelectionKey.OP_WRITE);
      try {
        write();
      } catch (IOException e) {
        close();
      }
    }

    private void write() throws IOException {
      channel.write(answer);
      if (!answer.hasRemaining()) {
        // closing with unread input would reset the connection and could lose the answer (a 431
        // above all): end our side, then read and drop what the client still sends
        answer = null;
        channel.shutdownOutput();
        lingering = true;
        long now = System.nanoTime();
        deadline = now + Math.min(deadline - now, LINGER_NANOS);
        key.interestOps(SelectionKey.OP_READ);
      }
    }

    /** One read per readiness, so a client that keeps sending cannot hold the selector thread. */
    private void drain() throws IOException {
      int read = channel.read(discard.clear());
      drained += Math.max(read, 0);
      if (read < 0 || drained > LINGER_BYTES) {
        close();
      }
    }

    void close() {
      if (!connections.remove(this)) {
        return;
      }
      key.cancel();
      closeQuietly(channel);
      answer = null;
      if (worker != null && workerAnswered) {
        worker.taken--;
      }
    }
  }

  /**
   * A handler that may be slow, on a thread of its own. It holds at most {@link Limits#maxPerEndpoint}
   * requests, from being taken until its answer is written or its connection closed, so a stuck or
   * slow handler and clients that do not read never pile up bodies in memory.
   */
  private final class Worker {
    private final ExecutorService thread;
    private final Supplier<Response> handler;
    /** Requests held; selector thread only. */
    private int taken;

    Worker(String name, Supplier<Response> handler) {
      this.thread = Executors.newSingleThreadExecutor(r -> daemon(name, r));
      this.handler = handler;
    }

    void take(Connection connection) {
      if (taken >= limits.maxPerEndpoint()) {
        connection.respond(Response.text(503, "busy\n"));
        return;
      }
      taken++;
      connection.worker = this;
      thread.execute(() -> {
        Response response;
        try {
          response = handler.get();
        } catch (RuntimeException e) {
          log.warn("{} failed: {}", Thread.currentThread().getName(), e.toString());
          response = Response.text(500, "error\n");
        }
        Response answer = response;
        fromWorkers.add(() -> answered(connection, answer));
        selector.wakeup();
      });
    }

    private void answered(Connection connection, Response response) {
      connection.workerAnswered = true;
      if (connection.channel.isOpen()) {
        connection.respond(response);
      } else {
        taken--;
      }
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Internal Server Error";
    };
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
