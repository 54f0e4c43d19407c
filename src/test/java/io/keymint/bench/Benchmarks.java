package io.keymint.bench;

import java.util.Arrays;

/** Which benchmarks of the profile run: {@code -Dbenchmark.only=issuance-cost} (a comma-separated list; empty: all). */
final class Benchmarks {

  static final String ONLY_PROPERTY = "benchmark.only";

  private Benchmarks() {}

  /** Whether the benchmark of this name should run; if not, says so. */
  static boolean selected(String name) {
    String only = System.getProperty(ONLY_PROPERTY, "").trim();
    boolean selected = only.isEmpty() || Arrays.stream(only.split(",")).map(String::trim).anyMatch(name::equals);
    if (!selected) {
      System.out.println("(" + name + " benchmark skipped: -D" + ONLY_PROPERTY + "=" + only + ")");
    }
    return selected;
  }
}
