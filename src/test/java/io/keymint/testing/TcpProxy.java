package io.keymint.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP forwarder to simulate an unreachable identity provider: point the code under test
 * at {@link #port()}, then {@link #cut()} to drop live connections and refuse new ones, and
 * {@link #restore()} to listen again on the same port.
 *
 * <p>Each forwarded connection uses two daemon threads blocked in reads; at most {@value
 * #MAX_CONNECTIONS} connections are forwarded at once, further ones are closed on accept.
 */
public final class TcpProxy implements AutoCloseable {

  private static final int MAX_CONNECTIONS = 64;
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int BIND_ATTEMPTS = 50;

  private final InetSocketAddress target;
  private final InetAddress loopback;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final int port;
  private ServerSocket listener;
  private boolean closed;

  private TcpProxy(String targetHost, int targetPort) throws IOException {
    this.target = new InetSocketAddress(targetHost, targetPort);
    this.loopback = InetAddress.getByName("127.0.0.1");
    this.listener = bind(0);
    this.port = listener.getLocalPort();
    startAccepting(listener);
  }

  /** Starts forwarding a free port on 127.0.0.1 to {@code targetHost:targetPort}. */
  public static TcpProxy start(String targetHost, int targetPort) {
    try {
      return new TcpProxy(targetHost, targetPort);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start TCP proxy", e);
    }
  }

  /** The local port the proxy listens on; stays the same across cut and restore. */
  public int port() {
    return port;
  }

  /** Closes every forwarded connection and the listening socket, so connects are refused. */
  public synchronized void cut() {
    if (listener != null) {
      closeQuietly(listener);
      listener = null;
    }
    sockets.forEach(TcpProxy::closeQuietly);
  }

  /** Listens again on the same port after {@link #cut()}; does nothing if listening. */
  public synchronized void restore() {
    if (closed) {
      throw new IllegalStateException("TCP proxy is closed");
    }
    if (listener != null) {
      return;
    }
    try {
      listener = bind(port);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot listen again on port " + port, e);
    }
    startAccepting(listener);
  }

  @Override
  public synchronized void close() {
    closed = true;
    cut();
  }

  private ServerSocket bind(int localPort) throws IOException {
    for (int attempt = 1; ; attempt++) {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      try {
        socket.bind(new InetSocketAddress(loopback, localPort), 50);
        return socket;
      } catch (IOException e) {
        socket.close();
        if (localPort == 0 || attempt == BIND_ATTEMPTS) {
          throw e;
        }
        pause();
      }
    }
  }

  private void startAccepting(ServerSocket serverSocket) {
    daemon("tcp-proxy-" + port + "-accept", () -> accept(serverSocket)).start();
  }

  private void accept(ServerSocket serverSocket) {
    while (!serverSocket.isClosed()) {
      Socket client;
      try {
        client = serverSocket.accept();
      } catch (IOException e) {
        return; // closed by cut() or close()
      }
      if (connections.incrementAndGet() > MAX_CONNECTIONS) {
        connections.decrementAndGet();
        closeQuietly(client);
        continue;
      }
      forward(serverSocket, client);
    }
  }

  private void forward(ServerSocket acceptedBy, Socket client) {
    Socket upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    if (acceptedBy.isClosed()) { // cut() ran between accept and add
      finish(client, upstream);
      return;
    }
    try {
      upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      finish(client, upstream);
      return;
    }
    AtomicInteger pumpsLeft = new AtomicInteger(2);
    Runnable done =
        () -> {
          if (pumpsLeft.decrementAndGet() == 0) {
            finish(client, upstream);
          }
        };
    daemon("tcp-proxy-" + port + "-up", () -> pump(client, upstream, done)).start();
    daemon("tcp-proxy-" + port + "-down", () -> pump(upstream, client, done)).start();
  }

  /** Copies {@code from} to {@code to} until end of stream, then half-closes {@code to}. */
  private static void pump(Socket from, Socket to, Runnable done) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int read;
      while ((read = in.read(buffer)) != -1) {
        out.write(buffer, 0, read);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // reset or cut: drop the whole connection
      closeQuietly(from);
      closeQuietly(to);
    } finally {
      done.run();
    }
  }

  private void finish(Socket client, Socket upstream) {
    closeQuietly(client);
    closeQuietly(upstream);
    sockets.remove(client);
    sockets.remove(upstream);
    connections.decrementAndGet();
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // already closed
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
