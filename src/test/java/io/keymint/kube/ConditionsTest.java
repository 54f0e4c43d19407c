package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.api.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-11-23T10:05:00.750Z");

  @Test
  void readyOutcomeSetsReadyTrueAndTheOthersFalse() {
    List<Condition> conditions = Conditions.apply(null, Outcome.ready("Provisioned", "ok"), 3, T0);
    assertThat(conditions).extracting(c -> c.type + "=" + c.status + "/" + c.reason)
        .containsExactly("Ready=True/Provisioned", "Reconciling=False/Idle", "Stalled=False/Idle");
    assertThat(conditions).allSatisfy(c -> {
      assertThat(c.observedGeneration).isEqualTo(3);
      assertThat(c.lastTransitionTime).isEqualTo("2026-11-23T10:00:00Z");
    });
  }

  @Test
  void stalledOutcomeSetsStalledWithTheReason() {
    List<Condition> conditions = Conditions.apply(null, Outcome.stalled("RoleNotAllowed", "no"), 1, T0);
    assertThat(conditions).extracting(c -> c.type + "=" + c.status + "/" + c.reason)
        .containsExactly("Ready=False/RoleNotAllowed", "Reconciling=False/Idle", "Stalled=True/RoleNotAllowed");
  }

  @Test
  void progressingOutcomeSetsReconciling() {
    List<Condition> conditions = Conditions.apply(null, Outcome.progressing("IdentityProviderUnavailable", "down"), 1, T0);
    assertThat(conditions).extracting(c -> c.type + "=" + c.status)
        .containsExactly("Ready=False", "Reconciling=True", "Stalled=False");
  }

  @Test
  void lastTransitionTimeChangesOnlyWhenStatusFlips() {
    List<Condition> first = Conditions.apply(null, Outcome.stalled("InvalidSpec", "a"), 1, T0);
    List<Condition> sameStatusOtherReason = Conditions.apply(first, Outcome.stalled("RoleNotAllowed", "b"), 2, T1);
    assertThat(sameStatusOtherReason).allSatisfy(c -> assertThat(c.lastTransitionTime).isEqualTo("2026-11-23T10:00:00Z"));
    List<Condition> flipped = Conditions.apply(sameStatusOtherReason, Outcome.ready("Provisioned", "ok"), 3, T1);
    assertThat(io.keymint.api.Condition.find(flipped, "Ready").lastTransitionTime).isEqualTo("2026-11-23T10:05:00Z");
    assertThat(io.keymint.api.Condition.find(flipped, "Stalled").lastTransitionTime).isEqualTo("2026-11-23T10:05:00Z");
    assertThat(io.keymint.api.Condition.find(flipped, "Reconciling").lastTransitionTime).isEqualTo("2026-11-23T10:00:00Z");
  }

  @Test
  void sameOutcomeTwiceGivesEqualConditions() {
    List<Condition> first = Conditions.apply(null, Outcome.ready("Provisioned", "ok"), 1, T0);
    assertThat(Conditions.apply(first, Outcome.ready("Provisioned", "ok"), 1, T1)).isEqualTo(first);
  }

  @Test
  void retryingWhileReadyKeepsTheReadyReason() {
    List<Condition> ready = Conditions.apply(null, Outcome.ready("TokenIssued", "fresh"), 1, T0);
    List<Condition> retrying = Conditions.apply(ready, Outcome.readyRetrying("IdentityProviderUnavailable", "down"), 1, T1);
    assertThat(retrying).extracting(c -> c.type + "=" + c.status + "/" + c.reason).containsExactly(
        "Ready=True/TokenIssued", "Reconciling=True/IdentityProviderUnavailable", "Stalled=False/Idle");
  }
}
