package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecretGraceTest {

  private static final Instant ROTATED = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(10);

  /** Keycloak's expiry of the rotated secret (null: not kept); the previous secret's end; removed by Keymint. */
  static Stream<Arguments> ends() {
    return Stream.of(
        Arguments.of("no rotation policy: ended at once", null, Duration.ofMinutes(10), ROTATED, false),
        Arguments.of("Keycloak keeps it longer: Keymint removes it", ROTATED.plusSeconds(3600), GRACE,
            ROTATED.plus(GRACE), true),
        Arguments.of("Keycloak's expiry first", ROTATED.plusSeconds(120), GRACE, ROTATED.plusSeconds(120), false),
        Arguments.of("the same end: Keycloak's own", ROTATED.plus(GRACE), GRACE, ROTATED.plus(GRACE), false),
        Arguments.of("zero grace: removed at the next look", ROTATED.plusSeconds(3600), Duration.ZERO, ROTATED, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ends")
  void thePreviousSecretEndsAtTheEarlierOfTheGracePeriodAndKeycloaksExpiry(String name, Instant keptUntil,
      Duration grace, Instant end, boolean removedByKeymint) {
    assertThat(SecretGrace.previousEnd(ROTATED, grace, keptUntil)).isEqualTo(end);
    assertThat(SecretGrace.removedByKeymint(keptUntil, end)).isEqualTo(removedByKeymint);
  }

  static Stream<Arguments> removals() {
    return Stream.of(
        Arguments.of("held, in grace", true, ROTATED.plus(GRACE), ROTATED, false),
        Arguments.of("held, grace over", true, ROTATED.plus(GRACE), ROTATED.plus(GRACE), true),
        Arguments.of("not held", false, ROTATED, ROTATED.plus(GRACE), false),
        Arguments.of("held, no end on record", true, null, ROTATED, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("removals")
  void keymintRemovesTheRotatedSecretOnlyWhenItHoldsItAndTheGraceIsOver(String name, boolean held, Instant end,
      Instant now, boolean due) {
    assertThat(SecretGrace.removalDue(held, end, now)).isEqualTo(due);
  }

  static Stream<Arguments> renewals() {
    return Stream.of(
        Arguments.of("never expires", ROTATED, null, null),
        Arguments.of("at two thirds of its lifetime", ROTATED, ROTATED.plusSeconds(90), ROTATED.plusSeconds(60)),
        Arguments.of("a day", ROTATED, ROTATED.plus(Duration.ofDays(1)), ROTATED.plus(Duration.ofHours(16))),
        Arguments.of("rotation time unknown: at the expiry", null, ROTATED, ROTATED),
        Arguments.of("already expired: now", ROTATED.plusSeconds(10), ROTATED, ROTATED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renewals")
  void aSecretKeycloakMakesExpireIsRotatedLongBeforeIt(String name, Instant rotatedAt, Instant expiresAt, Instant renewal) {
    assertThat(SecretGrace.renewalAt(rotatedAt, expiresAt)).isEqualTo(renewal);
  }
}
