package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NamespaceFairnessTest {

  private final KeymintMetrics metrics = new KeymintMetrics();
  private final SteppingClock clock = new SteppingClock();

  @ParameterizedTest(name = "limit {0}, {1} held and {2} waiting in its namespace, {3} held in another, it waited {4}: runs {5}")
  @CsvSource(textBlock = """
      # limit | held here | others waiting here | held in another namespace | it waited | runs
        1     | 0         | 0                   | 0                         | false     | true
        1     | 1         | 0                   | 0                         | false     | false
        1     | 0         | 0                   | 1                         | false     | true
        2     | 1         | 0                   | 0                         | false     | true
        2     | 2         | 0                   | 0                         | false     | false
        2     | 1         | 0                   | 2                         | false     | true
        12    | 11        | 0                   | 12                        | false     | true
        12    | 12        | 0                   | 0                         | false     | false
      # a slot freed while others wait goes to one of them, not to whoever comes along (or comes back at once)
        1     | 0         | 1                   | 0                         | false     | false
        1     | 0         | 3                   | 0                         | true      | true
        2     | 0         | 1                   | 0                         | false     | true
        2     | 1         | 1                   | 0                         | false     | false
        2     | 2         | 1                   | 0                         | true      | false
      """, delimiter = '|')
  void aReconcileRunsOnlyWhileItsNamespaceHasASlotForIt(int limit, int heldHere, int waitingHere, int heldElsewhere,
      boolean waited, boolean runs) {
    NamespaceFairness fairness = new NamespaceFairness(limit, () -> 0.5, clock, metrics);
    for (int i = 0; i < limit; i++) { // every slot held, so the others (and the resource, if it waited) wait
      assertThat(fairness.tryTake("noisy", "AppToken/h" + i)).isTrue();
    }
    for (int i = 0; i < waitingHere; i++) {
      assertThat(fairness.tryTake("noisy", "AppToken/w" + i)).isFalse();
    }
    if (waited) {
      assertThat(fairness.tryTake("noisy", "ConfigMap/r")).isFalse();
    }
    for (int i = heldHere; i < limit; i++) {
      fairness.giveBack("noisy");
    }
    for (int i = 0; i < heldElsewhere; i++) {
      assertThat(fairness.tryTake("other", "AppToken/o" + i)).isTrue();
    }
    AtomicInteger ran = new AtomicInteger();
    UpdateControl<ConfigMap> control = fairness.reconcile(resource("noisy", "r"), () -> {
      ran.incrementAndGet();
      assertThat(fairness.held("noisy")).isEqualTo(heldHere + 1);
      return UpdateControl.<ConfigMap>noUpdate().rescheduleAfter(60_000);
    });
    assertThat(ran.get()).isEqualTo(runs ? 1 : 0);
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(control.getScheduleDelay()).contains(runs ? 60_000L : 750L);
    assertThat(fairness.held("noisy")).as("the slot is given back; a deferred reconcile took none").isEqualTo(heldHere);
    assertThat(fairness.held("other")).isEqualTo(heldElsewhere);
  }

  @Test
  void theResourceThatJustHadTheSlotWaitsItsTurnAndAWaiterThatWentAwayStopsCounting() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    assertThat(fairness.tryTake("noisy", "AppToken/slow")).isTrue();
    assertThat(fairness.tryTake("noisy", "AppToken/other")).isFalse();
    fairness.giveBack("noisy");
    assertThat(fairness.tryTake("noisy", "AppToken/slow")).as("run again at once for events that came meanwhile").isFalse();
    clock.step(Duration.ofMillis(800));
    assertThat(fairness.tryTake("noisy", "AppToken/other")).as("the one that waited, back after its retry delay").isTrue();
    fairness.giveBack("noisy");
    clock.step(NamespaceFairness.WAITER_GONE);
    assertThat(fairness.tryTake("noisy", "AppToken/new")).as("slow did not come back (deleted)").isTrue();
    fairness.giveBack("noisy");
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void namespacesNoOneCameBackToLeaveTheTable() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    fairness.tryTake("gone", "AppToken/a");
    fairness.tryTake("gone", "AppToken/b"); // waits, and is deleted before it comes back
    fairness.giveBack("gone");
    clock.step(NamespaceFairness.WAITER_GONE);
    fairness.tryTake("other", "AppToken/c");
    fairness.giveBack("other");
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void aDeferredCleanupKeepsTheFinalizerAndComesBackSoon() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.0, clock, metrics);
    fairness.tryTake("noisy", "AppToken/slow");
    DeleteControl control = fairness.cleanup(resource("noisy", "r"), DeleteControl::defaultDelete);
    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(control.getScheduleDelay()).contains(500L);
    assertThat(fairness.cleanup(resource("quiet", "r"), DeleteControl::defaultDelete).isRemoveFinalizer()).isTrue();
  }

  @Test
  void theRetryIsJitteredBetweenHalfASecondAndASecond() {
    assertThat(new NamespaceFairness(1, () -> 0.0, clock, metrics).retryDelay()).hasMillis(500);
    assertThat(new NamespaceFairness(1, () -> 0.999, clock, metrics).retryDelay().toMillis()).isEqualTo(999);
  }

  @Test
  void aReconcileThatThrowsGivesItsSlotBackAndTheTableForgetsIdleNamespaces() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    assertThatThrownBy(() -> fairness.reconcile(resource("noisy", "r"), () -> {
      throw new IllegalStateException("boom");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(fairness.held("noisy")).isZero();
    assertThat(fairness.reconcile(resource("noisy", "r"), UpdateControl::noUpdate).getScheduleDelay()).isEmpty();
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void deferredReconcilesAreCountedPerNamespace() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    fairness.tryTake("noisy", "AppToken/slow");
    fairness.reconcile(resource("noisy", "r"), UpdateControl::noUpdate);
    fairness.reconcile(resource("noisy", "r"), UpdateControl::noUpdate);
    assertThat(metrics.scrape()).contains("keymint_reconciles_deferred_total{namespace=\"noisy\"} 2.0");
  }

  /**
   * The noisy namespace's slots are all held by reconciles stuck in slow calls: its next reconcile
   * returns at once, without waiting for them, and the quiet namespace's reconcile runs meanwhile.
   */
  @Test
  void aNamespaceAtItsLimitNeitherBlocksAThreadNorHoldsBackAnotherNamespace() throws Exception {
    NamespaceFairness fairness = new NamespaceFairness(2, () -> 0.5, Clock.systemUTC(), metrics);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    CountDownLatch slowCallsStarted = new CountDownLatch(2);
    CountDownLatch endpointAnswers = new CountDownLatch(1);
    try {
      for (int i = 0; i < 2; i++) {
        String name = "slow" + i;
        threads.submit(() -> fairness.reconcile(resource("noisy", name), () -> {
          slowCallsStarted.countDown();
          await(endpointAnswers);
          return UpdateControl.<ConfigMap>noUpdate();
        }));
      }
      assertThat(slowCallsStarted.await(10, TimeUnit.SECONDS)).isTrue();
      Future<UpdateControl<ConfigMap>> deferred = threads.submit(() -> fairness.reconcile(resource("noisy", "next"),
          () -> { throw new AssertionError("ran past the namespace's limit"); }));
      Future<UpdateControl<ConfigMap>> quiet = threads.submit(() -> fairness.reconcile(resource("quiet", "q"),
          () -> UpdateControl.<ConfigMap>noUpdate().rescheduleAfter(60_000)));
      assertThat(deferred.get(10, TimeUnit.SECONDS).getScheduleDelay()).contains(750L);
      assertThat(quiet.get(10, TimeUnit.SECONDS).getScheduleDelay()).contains(60_000L);
      assertThat(fairness.held("noisy")).isEqualTo(2);
    } finally {
      endpointAnswers.countDown();
      threads.shutdown();
      assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(fairness.held("noisy")).isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ConfigMap resource(String namespace, String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().build();
  }

  /** A clock the test moves. */
  private static final class SteppingClock extends Clock {
    private Instant now = Instant.parse("2026-11-23T10:00:00Z");

    void step(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
