package io.keymint.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sums of samples in a Prometheus text exposition (what Keymint's {@code /metrics} answers). */
final class Prometheus {

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String text;

  Prometheus(String text) {
    this.text = text == null ? "" : text;
  }

  /** The sum of every sample of the metric whose labels include all of {@code labels} (pairs: name, value, ...). */
  double sum(String metric, String... labels) {
    Map<String, String> wanted = new HashMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(metric)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, Math.max(space, 0));
      if (!name.equals(metric) || space < 0) {
        continue;
      }
      Map<String, String> have = new HashMap<>();
      if (brace >= 0) {
        Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          have.put(m.group(1), m.group(2));
        }
      }
      if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())))) {
        try {
          sum += Double.parseDouble(line.substring(space + 1).trim());
        } catch (NumberFormatException e) {
          // NaN and the like: not a count
        }
      }
    }
    return sum;
  }
}
