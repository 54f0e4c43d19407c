package io.keymint.kube;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 UTC times, to the second, as in every status field and Secret of the contract. */
public final class Times {

  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * Whether {@code interval} has passed since {@code last}. A missing time, or one in the future (a
   * status field a tenant wrote), counts as passed: it never postpones a check.
   */
  public static boolean due(Instant last, Duration interval, Instant now) {
    return last == null || last.isAfter(now) || !now.isBefore(last.plus(interval));
  }

  public static Instant parse(String text) {
    return text == null || text.isBlank() ? null : Instant.parse(text);
  }
}
