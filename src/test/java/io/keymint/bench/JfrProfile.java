package io.keymint.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where Keymint's CPU went, from a flight recording ({@code settings=profile}: a Java stack sample every
 * 10 ms of running Java code per thread, {@code jdk.ExecutionSample}; allocation samples,
 * {@code jdk.ObjectAllocationSample}), within windows of time. Read with the JDK's own
 * {@link RecordingFile}, so nothing but the recording is needed. A sample counts once under each view:
 * <ul>
 *   <li>top frame: the method running (self time), by method, by class and by package;</li>
 *   <li>library: the first frame from the top that is not the JDK's (Jackson, Fabric8, JOSDK, Keymint...), so
 *       a HashMap lookup inside Jackson counts as Jackson; a stack of JDK frames only by its top package;</li>
 *   <li>nearest Keymint frame: the innermost {@code io.keymint} method on the stack, the Keymint code that
 *       asked for the work (none: JOSDK's, Fabric8's or the HTTP client's own threads, by thread);</li>
 *   <li>inclusive: each {@code io.keymint} method on the stack (so a caller's share holds its callees');</li>
 *   <li>thread: the sampled thread's name, digits as {@code #}.</li>
 * </ul>
 * Time the JVM spends outside Java code (GC, the JIT compilers, native code) has no execution sample: the
 * per-thread CPU from /proc the benchmark prints beside it shows those.
 */
final class JfrProfile {

  /** The views of one window. */
  static final class Window {
    final String title;
    final Instant from;
    final Instant to;
    int samples;
    final Map<String, Long> topMethod = new HashMap<>();
    final Map<String, Long> topClass = new HashMap<>();
    final Map<String, Long> topPackage = new HashMap<>();
    final Map<String, Long> library = new HashMap<>();
    final Map<String, Long> nearestKeymint = new HashMap<>();
    final Map<String, Long> inclusiveKeymint = new HashMap<>();
    final Map<String, Long> thread = new HashMap<>();
    long allocated;
    final Map<String, Long> allocatedByClass = new HashMap<>();
    final Map<String, Long> allocatedByKeymint = new HashMap<>();
    final Map<String, Long> allocatedByLibrary = new HashMap<>();
    int collections;
    Duration gcPause = Duration.ZERO;
    final Map<String, Long> threadsStarted = new HashMap<>();

    Window(String title, Instant from, Instant to) {
      this.title = title;
      this.from = from;
      this.to = to;
    }

    boolean holds(Instant time) {
      return !time.isBefore(from) && !time.isAfter(to);
    }

    void print(PrintStream out, double processCpuMillis) {
      out.printf("%n  JFR profile, %s (%s s, %,d Java execution samples; Keymint spent %,.0f ms CPU; JDK 17's sampler"
          + " catches few of a thread's short runs, and nothing of GC, JIT and native code: the shares below are of the"
          + " samples)%n", title, Duration.between(from, to).toSeconds(), samples, processCpuMillis);
      long started = threadsStarted.values().stream().mapToLong(Long::longValue).sum();
      out.printf("    threads started in the window: %,d %s%n", started, top(threadsStarted, 4));
      if (samples == 0) {
        out.println("    (no execution samples in this window)");
        return;
      }
      table(out, "by library (first non-JDK frame from the top)", library, samples, 15);
      table(out, "by nearest Keymint frame (the Keymint code that asked for the work)", nearestKeymint, samples, 20);
      table(out, "inclusive, Keymint methods on the stack", inclusiveKeymint, samples, 20);
      table(out, "hottest methods (top frame, self)", topMethod, samples, 25);
      table(out, "by class (top frame)", topClass, samples, 15);
      table(out, "by package (top frame)", topPackage, samples, 15);
      table(out, "by thread", thread, samples, 12);
      if (allocated > 0) {
        out.printf("    allocation (sampled, estimated): %,.0f MiB in the window; %d GCs, %d ms paused%n",
            allocated / 1048576.0, collections, gcPause.toMillis());
        table(out, "allocation by class", allocatedByClass, allocated, 15);
        table(out, "allocation by library", allocatedByLibrary, allocated, 10);
        table(out, "allocation by nearest Keymint frame", allocatedByKeymint, allocated, 10);
      }
    }
  }

  private JfrProfile() {}

  /** Reads the recording once, filling each window with the events that fall in it. */
  static void read(Path recording, List<Window> windows) throws IOException {
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        String type = event.getEventType().getName();
        for (Window window : windows) {
          if (!window.holds(event.getStartTime())) {
            continue;
          }
          switch (type) {
            case "jdk.ExecutionSample" -> sample(window, event);
            case "jdk.ObjectAllocationSample" -> allocation(window, event);
            case "jdk.ThreadStart" -> {
              RecordedThread started = event.getThread("thread");
              window.threadsStarted.merge(started == null || started.getJavaName() == null ? "?"
                  : ProcessCpu.group(started.getJavaName()), 1L, Long::sum);
            }
            case "jdk.GarbageCollection" -> {
              window.collections++;
              window.gcPause = window.gcPause.plus(event.getDuration("sumOfPauses"));
            }
            default -> { }
          }
        }
      }
    }
  }

  private static void sample(Window window, RecordedEvent event) {
    RecordedStackTrace stack = event.getStackTrace();
    if (stack == null || stack.getFrames().isEmpty()) {
      return;
    }
    List<RecordedFrame> frames = stack.getFrames();
    window.samples++;
    String top = method(frames.get(0));
    String topType = type(frames.get(0));
    window.topMethod.merge(top, 1L, Long::sum);
    window.topClass.merge(topType, 1L, Long::sum);
    window.topPackage.merge(pkg(topType), 1L, Long::sum);
    window.library.merge(library(frames), 1L, Long::sum);
    RecordedThread thread = event.getThread("sampledThread");
    String threadGroup = thread == null || thread.getJavaName() == null ? "?" : ProcessCpu.group(thread.getJavaName());
    window.thread.merge(threadGroup, 1L, Long::sum);
    window.nearestKeymint.merge(nearestKeymint(frames, threadGroup), 1L, Long::sum);
    Set<String> seen = new HashSet<>();
    for (RecordedFrame frame : frames) {
      if (type(frame).startsWith("io.keymint.") && seen.add(method(frame))) {
        window.inclusiveKeymint.merge(method(frame), 1L, Long::sum);
      }
    }
  }

  private static void allocation(Window window, RecordedEvent event) {
    long weight = event.getLong("weight");
    RecordedClass type = event.getClass("objectClass");
    window.allocated += weight;
    window.allocatedByClass.merge(type == null ? "?" : type.getName(), weight, Long::sum);
    RecordedStackTrace stack = event.getStackTrace();
    List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
    RecordedThread thread = event.getThread("eventThread");
    String threadGroup = thread == null || thread.getJavaName() == null ? "?" : ProcessCpu.group(thread.getJavaName());
    window.allocatedByKeymint.merge(nearestKeymint(frames, threadGroup), weight, Long::sum);
    window.allocatedByLibrary.merge(frames.isEmpty() ? "?" : library(frames), weight, Long::sum);
  }

  private static String nearestKeymint(List<RecordedFrame> frames, String threadGroup) {
    for (RecordedFrame frame : frames) {
      if (type(frame).startsWith("io.keymint.")) {
        return method(frame);
      }
    }
    return "(no Keymint frame; thread " + threadGroup + ")";
  }

  private static String library(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = type(frame);
      if (!jdk(type)) {
        return libraryOf(type);
      }
    }
    String top = type(frames.get(0));
    return "JDK only: " + (top.startsWith("jdk.internal.net.http") ? "HTTP client (java.net.http)"
        : top.startsWith("sun.nio") || top.startsWith("java.nio") ? "NIO" : pkg(top));
  }

  private static boolean jdk(String type) {
    return type.startsWith("java.") || type.startsWith("javax.") || type.startsWith("jdk.") || type.startsWith("sun.")
        || type.startsWith("com.sun.");
  }

  private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

  static {
    LIBRARIES.put("io.keymint.", "Keymint");
    LIBRARIES.put("com.fasterxml.jackson.", "Jackson");
    LIBRARIES.put("io.fabric8.kubernetes.client.informers.", "Fabric8 informers");
    LIBRARIES.put("io.fabric8.kubernetes.client.http.", "Fabric8 HTTP layer");
    LIBRARIES.put("io.fabric8.kubernetes.client.jdkhttp.", "Fabric8 HTTP layer");
    LIBRARIES.put("io.fabric8.kubernetes.api.", "Fabric8 model");
    LIBRARIES.put("io.fabric8.", "Fabric8 client");
    LIBRARIES.put("io.javaoperatorsdk.", "JOSDK");
    LIBRARIES.put("org.keycloak.", "Keycloak admin client");
    LIBRARIES.put("org.jboss.resteasy.", "RESTEasy (Keycloak admin client)");
    LIBRARIES.put("org.apache.http.", "Apache HttpClient (Keycloak admin client)");
    LIBRARIES.put("ch.qos.logback.", "logging");
    LIBRARIES.put("org.slf4j.", "logging");
    LIBRARIES.put("io.micrometer.", "Micrometer");
    LIBRARIES.put("com.nimbusds.", "Nimbus");
    LIBRARIES.put("org.yaml.", "SnakeYAML");
  }

  private static String libraryOf(String type) {
    for (Map.Entry<String, String> library : LIBRARIES.entrySet()) {
      if (type.startsWith(library.getKey())) {
        return library.getValue();
      }
    }
    String[] parts = type.split("\\.");
    return parts.length > 2 ? parts[0] + "." + parts[1] + "." + parts[2] : type;
  }

  private static String type(RecordedFrame frame) {
    if (frame.getMethod() == null || frame.getMethod().getType() == null) {
      return "?";
    }
    // lambdas and hidden classes: Foo$$Lambda$123/0x0000... is Foo$$Lambda
    return frame.getMethod().getType().getName().replaceAll("\\$\\$Lambda.*", "\\$\\$Lambda").replaceAll("/0x[0-9a-f]+$", "");
  }

  private static String method(RecordedFrame frame) {
    String type = type(frame);
    int dot = type.lastIndexOf('.');
    String simple = type.startsWith("io.keymint.") ? type.substring("io.keymint.".length()) : dot < 0 ? type
        : abbreviate(type);
    return simple + "." + (frame.getMethod() == null ? "?" : frame.getMethod().getName());
  }

  /** {@code com.fasterxml.jackson.databind.ser.BeanSerializer} as {@code c.f.j.databind.ser.BeanSerializer}. */
  private static String abbreviate(String type) {
    String[] parts = type.split("\\.");
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      out.append(i < 2 && parts.length > 4 ? parts[i].substring(0, 1) : parts[i]);
      if (i < parts.length - 1) {
        out.append('.');
      }
    }
    return out.toString();
  }

  private static String pkg(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? "" : type.substring(0, dot);
  }

  private static String top(Map<String, Long> counts, int limit) {
    List<Map.Entry<String, Long>> rows = new ArrayList<>(counts.entrySet());
    rows.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    return rows.subList(0, Math.min(limit, rows.size())).toString();
  }

  private static void table(PrintStream out, String title, Map<String, Long> counts, long total, int limit) {
    out.println("    " + title + ":");
    List<Map.Entry<String, Long>> rows = new ArrayList<>(counts.entrySet());
    rows.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    for (Map.Entry<String, Long> row : rows.subList(0, Math.min(limit, rows.size()))) {
      out.printf("      %5.1f%%  %s%n", 100.0 * row.getValue() / total, row.getKey());
    }
  }
}
