package io.keymint.demo;

import io.keymint.api.TokenStatus;
import io.keymint.platformtoken.PlatformTokenStatus;
import io.keymint.testing.KeymintFixture;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;

/** Waits for a token resource's next refresh, on its schedule, and describes it: times, never a token. */
final class Refresh {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private Refresh() {}

  /** The next refresh: on schedule, before the old token expired. */
  static Step ofToken(KeymintFixture keymint, Applied token, Duration timeout) {
    return await(keymint, token, timeout, "Refreshed", (before, after) -> "");
  }

  /**
   * The next refresh of a PlatformToken whose provider rotates refresh tokens: Keymint keeps the new
   * refresh token, and credentialRotatedAt moves. When the status does not show the first rotation
   * yet (seen now and then: a status written from a stale copy drops it), the refresh after shows it.
   */
  static Step ofRotatingToken(KeymintFixture keymint, Applied token, Duration timeout) {
    return await(keymint, token, timeout, "Rotated", (before, after) -> {
      String was = ((PlatformTokenStatus) before).credentialRotatedAt;
      String is = ((PlatformTokenStatus) after).credentialRotatedAt;
      boolean moved = was != null && is != null && Instant.parse(is).isAfter(Instant.parse(was));
      return moved ? "; its refresh token was rotated and Keymint kept the new one: credentialRotatedAt "
          + time(was) + " -> " + time(is) : null;
    });
  }

  /** What else a refresh must show: a phrase to append, or null when it did not happen. */
  private interface Check {
    String after(TokenStatus before, TokenStatus after);
  }

  private static Step await(KeymintFixture keymint, Applied token, Duration timeout, String what, Check check) {
    TokenStatus before = (TokenStatus) token.status(keymint.client());
    String oldToken = accessToken(keymint, token, before);
    boolean firstRefresh = true;
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      TokenStatus now = (TokenStatus) token.status(keymint.client());
      String newToken = accessToken(keymint, token, now);
      if (!Objects.equals(now.lastRefreshTime, before.lastRefreshTime) && !Objects.equals(now.expiresAt, before.expiresAt)
          && !Objects.equals(newToken, oldToken)) {
        String more = check.after(before, now);
        if (more != null || !firstRefresh) {
          return describe(token, what, before, now, more);
        }
        firstRefresh = false;
        before = now;
        oldToken = newToken;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new Step(false, what, token + ": no refresh as expected within " + timeout.toSeconds() + " s");
  }

  private static Step describe(Applied token, String what, TokenStatus before, TokenStatus now, String more) {
    Instant at = Instant.parse(now.lastRefreshTime);
    Instant oldExpiry = Instant.parse(before.expiresAt);
    boolean onSchedule = !at.isBefore(Instant.parse(before.refreshAt).minusSeconds(1)) && at.isBefore(oldExpiry);
    String line = token + " at " + time(now.lastRefreshTime) + (onSchedule ? " as scheduled, " : ", not at its refreshAt "
        + time(before.refreshAt) + ", ") + Duration.between(at, oldExpiry).toSeconds() + " s before the old token expired"
        + (more == null ? "; but credentialRotatedAt did not move" : more);
    return new Step(onSchedule && more != null, what, line);
  }

  private static String accessToken(KeymintFixture keymint, Applied token, TokenStatus status) {
    Map<String, String> data = keymint.secretData(token.namespace(), status.secretName);
    return data == null ? null : data.get("access_token");
  }

  private static String time(String rfc3339) {
    return rfc3339 == null ? "-" : TIME.format(Instant.parse(rfc3339));
  }
}
