package io.keymint.clientapp;

import static io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm.ES256;
import static io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm.RS256;
import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.clientapp.ClientApplicationSpec.KeyAlgorithm;
import io.keymint.clientapp.KeyRotation.Cause;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyRotationTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration GRACE = Duration.ofMinutes(10);
  private static final Instant LATER = NOW.plus(Duration.ofMinutes(5));
  private static final Instant EARLIER = NOW.minus(Duration.ofMinutes(1));

  /**
   * The Secret's key, its algorithm, the recorded previous key and its end, the keys on the client,
   * asked, due; then the plan: cause, previous key, its end, the registered keys that stay.
   */
  static Stream<Arguments> plans() {
    return Stream.of(
        // a new application, or its Secret gone or edited: a new key, nothing kept (an orphan goes)
        row("no key yet", null, null, null, null, Set.of(), false, false,
            Cause.NO_KEY, null, null, Set.of()),
        row("no key, an orphan on the client", null, null, null, null, Set.of("lost"), false, false,
            Cause.NO_KEY, null, null, Set.of()),
        // the client lost the Secret's key (recreated or edited in Keycloak): a new key at once
        row("key not registered", "k1", ES256, null, null, Set.of("other"), false, false,
            Cause.KEY_NOT_REGISTERED, null, null, Set.of()),
        // steady state: the Secret's key stays, nothing else
        row("kept", "k1", ES256, null, null, Set.of("k1"), false, false,
            null, null, null, Set.of("k1")),
        // a key registered but never written to the Secret (killed in between): removed
        row("orphan removed", "k1", ES256, null, null, Set.of("k1", "k2"), false, false,
            null, null, null, Set.of("k1")),
        // rotation: the Secret's key becomes the previous one, accepted for the grace period
        row("requested", "k1", ES256, null, null, Set.of("k1"), true, false,
            Cause.REQUESTED, "k1", NOW.plus(GRACE), Set.of("k1")),
        row("due", "k1", ES256, null, null, Set.of("k1"), false, true,
            Cause.PERIOD, "k1", NOW.plus(GRACE), Set.of("k1")),
        row("algorithm changed", "k1", RS256, null, null, Set.of("k1"), false, false,
            Cause.ALGORITHM_CHANGED, "k1", NOW.plus(GRACE), Set.of("k1")),
        row("algorithm unknown", "k1", null, null, null, Set.of("k1"), false, false,
            Cause.ALGORITHM_CHANGED, "k1", NOW.plus(GRACE), Set.of("k1")),
        // a rotation killed after registering its key: the orphan goes, a fresh key comes
        row("requested again after a crash", "k1", ES256, null, null, Set.of("k1", "k2"), true, false,
            Cause.REQUESTED, "k1", NOW.plus(GRACE), Set.of("k1")),
        // rotated again within the grace period: the older previous key goes now
        row("rotated within grace", "k2", ES256, "k1", LATER, Set.of("k1", "k2"), true, false,
            Cause.REQUESTED, "k2", NOW.plus(GRACE), Set.of("k2")),
        // within the grace period: both stay
        row("in grace", "k2", ES256, "k1", LATER, Set.of("k1", "k2"), false, false,
            null, "k1", LATER, Set.of("k1", "k2")),
        // the grace period is over: the previous key goes, its end stays on record
        row("grace over", "k2", ES256, "k1", EARLIER, Set.of("k1", "k2"), false, false,
            null, null, EARLIER, Set.of("k2")),
        row("grace ends now", "k2", ES256, "k1", NOW, Set.of("k1", "k2"), false, false,
            null, null, NOW, Set.of("k2")),
        // the previous key already gone from the client: not brought back
        row("previous gone", "k2", ES256, "k1", LATER, Set.of("k2"), false, false,
            null, null, LATER, Set.of("k2")),
        // the previous key is never the current one
        row("previous is current", "k2", ES256, "k2", LATER, Set.of("k2"), false, false,
            null, null, LATER, Set.of("k2")));
  }

  private static Arguments row(String name, String secretKey, KeyAlgorithm algorithm, String previous, Instant previousEnd,
      Set<String> registered, boolean requested, boolean due, Cause cause, String planPrevious, Instant planEnd,
      Set<String> keep) {
    return Arguments.of(name, new KeyRotation.State(secretKey, algorithm, previous, previousEnd, registered),
        requested, due, new KeyRotation.Plan(cause, planPrevious, planEnd, keep));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plans")
  void plansFromTheSecretAndTheClient(String name, KeyRotation.State state, boolean requested, boolean due,
      KeyRotation.Plan expected) {
    assertThat(KeyRotation.plan(state, ES256, requested, due, GRACE, NOW)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plans")
  void theSecretNeverHoldsAKeyThePlanRemoves(String name, KeyRotation.State state, boolean requested, boolean due,
      KeyRotation.Plan ignored) {
    KeyRotation.Plan plan = KeyRotation.plan(state, ES256, requested, due, GRACE, NOW);
    if (!plan.generatesKey()) { // the Secret keeps its key: it stays registered
      assertThat(plan.keepKeyIds()).contains(state.secretKeyId());
    }
    if (plan.previousKeyId() != null) {
      assertThat(plan.keepKeyIds()).contains(plan.previousKeyId());
    }
  }

  static Stream<Arguments> lookups() {
    return Stream.of(
        Arguments.of("settled", "k1", ES256, null, null, false, false, true),
        Arguments.of("in grace", "k2", ES256, "k1", LATER, false, false, true),
        Arguments.of("no key", null, null, null, null, false, false, false),
        Arguments.of("asked", "k1", ES256, null, null, true, false, false),
        Arguments.of("due", "k1", ES256, null, null, false, true, false),
        Arguments.of("other algorithm", "k1", RS256, null, null, false, false, false),
        Arguments.of("grace over", "k2", ES256, "k1", EARLIER, false, false, false),
        Arguments.of("grace ends now", "k2", ES256, "k1", NOW, false, false, false),
        Arguments.of("previous without end", "k2", ES256, "k1", null, false, false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lookups")
  void keycloakIsAskedOnlyWhenTheSecretSaysSomethingIsToBeDone(String name, String key, KeyAlgorithm algorithm,
      String previous, Instant previousEnd, boolean requested, boolean due, boolean nothingToDo) {
    assertThat(KeyRotation.nothingToDo(key, algorithm, previous, previousEnd, ES256, requested, due, NOW))
        .isEqualTo(nothingToDo);
  }

  @org.junit.jupiter.api.Test
  void aZeroGracePeriodEndsThePreviousKeyAtTheNextLookNotBeforeTheSecretIsWritten() {
    KeyRotation.Plan plan = KeyRotation.plan(new KeyRotation.State("k1", ES256, null, null, Set.of("k1")), ES256,
        true, false, Duration.ZERO, NOW);
    assertThat(plan.keepKeyIds()).containsExactly("k1");
    assertThat(plan.previousExpiresAt()).isEqualTo(NOW);
    assertThat(KeyRotation.nextChange(plan)).isEqualTo(NOW);
    KeyRotation.Plan next = KeyRotation.plan(new KeyRotation.State("k2", ES256, "k1", NOW, Set.of("k1", "k2")), ES256,
        false, false, Duration.ZERO, NOW);
    assertThat(next.keepKeyIds()).containsExactly("k2");
    assertThat(next.changesKeycloak(Set.of("k1", "k2"))).isTrue();
    assertThat(KeyRotation.nextChange(next)).isNull();
  }
}
