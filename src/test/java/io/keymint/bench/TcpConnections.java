package io.keymint.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts TCP connections opened to a local port while it runs, from the kernel's socket tables
 * ({@code /proc/net/tcp} and {@code tcp6}), sampled every 100 ms: each connection shows as its client-side
 * port, and a closed one stays listed for a minute (TIME_WAIT), so none is missed between samples. Counts every
 * client of the port: use it while one client talks to it.
 */
final class TcpConnections implements AutoCloseable {

  private final int port;
  private final Set<Integer> before;
  private final Set<Integer> seen = ConcurrentHashMap.newKeySet();
  private final Thread sampler;
  private volatile boolean running = true;

  private TcpConnections(int port) {
    this.port = port;
    this.before = clientPorts(port);
    this.sampler = new Thread(() -> {
      while (running) {
        seen.addAll(clientPorts(port));
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "tcp-connections-" + port);
    sampler.setDaemon(true);
    sampler.start();
  }

  static TcpConnections watch(int port) {
    return new TcpConnections(port);
  }

  /** Connections seen that were not there at the start; -1 where the tables cannot be read. */
  int opened() {
    if (!Files.isReadable(Path.of("/proc/net/tcp"))) {
      return -1;
    }
    seen.addAll(clientPorts(port));
    return (int) seen.stream().filter(p -> !before.contains(p)).count();
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }

  /** The client-side ports of every connection to {@code port} on this host, in any state but LISTEN. */
  static Set<Integer> clientPorts(int port) {
    Set<Integer> ports = new HashSet<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 4 || !f[1].contains(":")) {
            continue; // the header
          }
          int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
          int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
          if (remote == port) {
            ports.add(local);
          } else if (local == port && !"0A".equals(f[3])) { // the server's end; 0A is LISTEN
            ports.add(remote);
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table here
      }
    }
    return ports;
  }
}
