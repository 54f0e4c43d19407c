package io.keymint.kube;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 UTC times, to the second, as in every status field and Secret of the contract. */
public final class Times {

  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  public static Instant parse(String text) {
    return text == null || text.isBlank() ? null : Instant.parse(text);
  }
}
