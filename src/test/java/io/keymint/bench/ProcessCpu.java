package io.keymint.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of other processes, as the kernel counts it (user + system, every thread): through
 * {@link ProcessHandle.Info#totalCpuDuration()}, which reads {@code /proc/<pid>/stat} on Linux, and per thread
 * from {@code /proc/<pid>/task/<tid>/stat}, named as the kernel names them (a Java thread's name cut to 15
 * characters: {@code C2 CompilerThre}, {@code GC Thread#0}, {@code ReconcilerExec}...).
 */
final class ProcessCpu {

  /** The kernel's clock tick for {@code /proc} times (USER_HZ), 100 on every Linux this runs on. */
  private static final double MILLIS_PER_TICK = 10.0;

  private ProcessCpu() {}

  /** CPU milliseconds of the process so far; 0 if unknown. */
  static double millis(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e6;
  }

  /** CPU milliseconds of the process and its live descendants (Keycloak's kc.sh and the JVM it starts). */
  static double treeMillis(ProcessHandle root) {
    return Stream.concat(Stream.of(root), root.descendants()).mapToDouble(ProcessCpu::millis).sum();
  }

  /** User and system (kernel) CPU milliseconds of the process so far, from /proc; zeros where it is not there. */
  static double[] userSystem(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new double[] {Long.parseLong(fields[11]) * MILLIS_PER_TICK, Long.parseLong(fields[12]) * MILLIS_PER_TICK};
    } catch (IOException | RuntimeException e) {
      return new double[2];
    }
  }

  /** A thread's CPU so far, and the system (kernel) part of it. */
  record ThreadTime(String name, double millis, double systemMillis) {}

  /** CPU milliseconds of each live thread of the process, by thread id; empty where /proc is not there. */
  static Map<Long, ThreadTime> threads(long pid) {
    Map<Long, ThreadTime> threads = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String[] fields = stat.substring(close + 2).split(" ");
          // after "pid (comm) ": state is field 3 of stat(5), utime 14 and stime 15
          double system = Long.parseLong(fields[12]) * MILLIS_PER_TICK;
          double millis = Long.parseLong(fields[11]) * MILLIS_PER_TICK + system;
          threads.put(Long.parseLong(task.getFileName().toString()),
              new ThreadTime(stat.substring(open + 1, close), millis, system));
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      // not Linux, or the process is gone
    }
    return threads;
  }

  /**
   * CPU milliseconds spent between two snapshots by thread group (the name with its digits as {@code #}), each
   * as {total, system}, plus a line for what the process spent that no thread seen shows (threads that ended
   * between samples).
   */
  static Map<String, double[]> threadDelta(Map<Long, ThreadTime> before, Map<Long, ThreadTime> after, double processMillis) {
    Map<String, double[]> groups = new TreeMap<>();
    double shown = 0;
    for (Map.Entry<Long, ThreadTime> entry : after.entrySet()) {
      ThreadTime earlier = before.get(entry.getKey());
      double spent = entry.getValue().millis() - (earlier == null ? 0 : earlier.millis());
      double system = entry.getValue().systemMillis() - (earlier == null ? 0 : earlier.systemMillis());
      if (spent > 0) {
        double[] sum = groups.computeIfAbsent(group(entry.getValue().name()), k -> new double[2]);
        sum[0] += spent;
        sum[1] += system;
        shown += spent;
      }
    }
    double rest = processMillis - shown;
    if (rest > 5) {
      groups.put("(threads not seen by the 100 ms sampling: short-lived ones)", new double[] {rest, -1});
    }
    return groups;
  }

  /**
   * Samples the threads of a process every 100 ms while it runs, so that threads that start and end
   * within a window (the JIT's dynamic compiler threads, pool threads that idle out) still show: each thread
   * as last seen.
   */
  static final class Sampler implements AutoCloseable {
    private final Map<Long, ThreadTime> seen = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    Sampler(long pid) {
      thread = new Thread(() -> {
        while (running) {
          seen.putAll(threads(pid));
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "thread-sampler-" + pid);
      thread.setDaemon(true);
      thread.start();
    }

    /** Every thread seen, as last seen, updated with {@code last} (a final snapshot). */
    Map<Long, ThreadTime> stop(Map<Long, ThreadTime> last) {
      running = false;
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Map<Long, ThreadTime> all = new HashMap<>(seen);
      all.putAll(last);
      return all;
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  static String group(String threadName) {
    return threadName.replaceAll("[0-9]+", "#");
  }
}
