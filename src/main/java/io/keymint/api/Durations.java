package io.keymint.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go/Kubernetes style durations: {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 720h}. */
public final class Durations {
  /** The schema pattern of every duration field. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private Durations() {}

  /** Parses a duration; throws IllegalArgumentException naming the bad value (durations are never secret). */
  public static Duration parse(String text) {
    if (text == null || !text.matches(PATTERN)) {
      throw new IllegalArgumentException("'" + text + "' is not a duration like 90s, 5m or 720h");
    }
    Matcher m = PART.matcher(text);
    double millis = 0;
    while (m.find()) {
      double n = Double.parseDouble(m.group(1));
      millis += switch (m.group(2)) {
        case "ms" -> n;
        case "s" -> n * 1_000;
        case "m" -> n * 60_000;
        default -> n * 3_600_000;
      };
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** Formats in the shortest Go style: {@code 1h30m}, {@code 45s}. */
  public static String format(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }
}
