package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.keymint.observe.KeymintMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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

  @ParameterizedTest(name = "limit {0}, {1} held and {2} queued in its namespace, {3} held in another, it queued {4}: runs {5}")
  @CsvSource(textBlock = """
      # limit | held here | others queued here | held in another namespace | it queued | runs
        1     | 0         | 0                  | 0                         | false     | true
        1     | 1         | 0                  | 0                         | false     | false
        1     | 0         | 0                  | 1                         | false     | true
        2     | 1         | 0                  | 0                         | false     | true
        2     | 2         | 0                  | 0                         | false     | false
        2     | 1         | 0                  | 2                         | false     | true
        12    | 11        | 0                  | 12                        | false     | true
        12    | 12        | 0                  | 0                         | false     | false
      # a slot freed while others queue is promised to the first of them, not to whoever comes along
        1     | 0         | 1                  | 0                         | false     | false
        2     | 0         | 1                  | 0                         | false     | true
        2     | 1         | 1                  | 0                         | false     | false
      # in the order they came: one that queued behind three waits for them, unless the slots free suffice
        1     | 0         | 3                  | 0                         | true      | false
        4     | 0         | 3                  | 0                         | true      | true
        2     | 2         | 1                  | 0                         | true      | false
      """, delimiter = '|')
  void aReconcileRunsOnlyWhileItsNamespaceHasASlotForIt(int limit, int heldHere, int queuedHere, int heldElsewhere,
      boolean queued, boolean runs) {
    NamespaceFairness fairness = new NamespaceFairness(limit, () -> 0.5, clock, metrics);
    for (int i = 0; i < limit; i++) { // every slot held, so the others (and the resource, if it queued) queue
      assertThat(fairness.tryTake("noisy", "AppToken", "h" + i)).isTrue();
    }
    for (int i = 0; i < queuedHere; i++) {
      assertThat(fairness.tryTake("noisy", "AppToken", "w" + i)).isFalse();
    }
    if (queued) {
      assertThat(fairness.tryTake("noisy", "ConfigMap", "r")).isFalse();
    }
    for (int i = heldHere; i < limit; i++) {
      fairness.giveBack("noisy");
    }
    for (int i = 0; i < heldElsewhere; i++) {
      assertThat(fairness.tryTake("other", "AppToken", "o" + i)).isTrue();
    }
    AtomicInteger ran = new AtomicInteger();
    int heldBefore = fairness.held("noisy");
    UpdateControl<ConfigMap> control = fairness.reconcile(resource("noisy", "r"), () -> {
      ran.incrementAndGet();
      assertThat(fairness.held("noisy")).isEqualTo(heldBefore + 1);
      return UpdateControl.<ConfigMap>noUpdate().rescheduleAfter(60_000);
    });
    assertThat(ran.get()).isEqualTo(runs ? 1 : 0);
    assertThat(control.isNoUpdate()).isTrue();
    assertThat(control.getScheduleDelay()).contains(runs ? 60_000L : 7_500L);
    assertThat(fairness.held("noisy")).as("the slot is given back; a deferred reconcile took none").isEqualTo(heldHere);
    assertThat(fairness.held("other")).isEqualTo(heldElsewhere);
  }

  @Test
  void aFreedSlotWakesTheFirstInTheQueueAndIsKeptForIt() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    List<ResourceID> woken = new ArrayList<>();
    fairness.wakeWith("AppToken", woken::add);
    assertThat(fairness.tryTake("noisy", "AppToken", "slow")).isTrue();
    assertThat(fairness.tryTake("noisy", "AppToken", "first")).isFalse();
    assertThat(fairness.tryTake("noisy", "AppToken", "second")).isFalse();
    assertThat(fairness.tryTake("noisy", "AppToken", "first")).as("back by its own timer: keeps its place").isFalse();
    assertThat(woken).isEmpty();
    fairness.giveBack("noisy");
    assertThat(woken).as("one wake-up for one slot, in the order they came").containsExactly(new ResourceID("first", "noisy"));
    assertThat(fairness.tryTake("noisy", "AppToken", "slow")).as("run again at once for events that came meanwhile").isFalse();
    assertThat(fairness.tryTake("noisy", "AppToken", "second")).as("the slot is promised to first").isFalse();
    assertThat(fairness.tryTake("noisy", "AppToken", "first")).isTrue();
    fairness.giveBack("noisy");
    assertThat(woken).containsExactly(new ResourceID("first", "noisy"), new ResourceID("second", "noisy"));
    assertThat(fairness.tryTake("noisy", "AppToken", "second")).isTrue();
    fairness.giveBack("noisy");
    assertThat(woken).last().isEqualTo(new ResourceID("slow", "noisy"));
    assertThat(fairness.tryTake("noisy", "AppToken", "slow")).isTrue();
    fairness.giveBack("noisy");
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void aWokenResourceThatDoesNotComeBackLosesItsPromiseToTheNext() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    List<ResourceID> woken = new ArrayList<>();
    fairness.wakeWith("AppToken", woken::add);
    fairness.tryTake("noisy", "AppToken", "slow");
    fairness.tryTake("noisy", "AppToken", "deleted");
    fairness.tryTake("noisy", "AppToken", "next");
    fairness.giveBack("noisy"); // wakes deleted, which never comes back
    clock.step(NamespaceFairness.WAITER_GONE);
    assertThat(fairness.tryTake("noisy", "AppToken", "newcomer")).as("still promised when the sweep runs").isFalse();
    assertThat(woken).containsExactly(new ResourceID("deleted", "noisy"), new ResourceID("next", "noisy"));
    assertThat(fairness.tryTake("noisy", "AppToken", "next")).isTrue();
  }

  @Test
  void namespacesNoOneCameBackToLeaveTheTable() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    fairness.tryTake("gone", "AppToken", "a");
    fairness.tryTake("gone", "AppToken", "b"); // queued, woken, and deleted before it comes back
    fairness.giveBack("gone");
    clock.step(NamespaceFairness.WAITER_GONE);
    fairness.tryTake("other", "AppToken", "c");
    fairness.giveBack("other");
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void aQueuedResourceNeverWokenIsForgottenOnceItStopsComingBack() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, clock, metrics);
    fairness.tryTake("noisy", "AppToken", "a");
    fairness.tryTake("noisy", "AppToken", "b"); // queued, deleted while a still runs
    clock.step(NamespaceFairness.RETRY.multipliedBy(4));
    fairness.tryTake("other", "AppToken", "c"); // the sweep
    fairness.giveBack("other");
    fairness.giveBack("noisy");
    assertThat(fairness.namespaces()).isZero();
  }

  @Test
  void aDeferredCleanupKeepsTheFinalizerAndComesBackByItselfAtTheLatestAfterTheRetry() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.0, clock, metrics);
    fairness.tryTake("noisy", "AppToken", "slow");
    DeleteControl control = fairness.cleanup(resource("noisy", "r"), DeleteControl::defaultDelete);
    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(control.getScheduleDelay()).contains(5_000L);
    assertThat(fairness.cleanup(resource("quiet", "r"), DeleteControl::defaultDelete).isRemoveFinalizer()).isTrue();
  }

  @Test
  void theRetryIsJitteredBetweenOneAndTwoRetryIntervals() {
    assertThat(new NamespaceFairness(1, () -> 0.0, clock, metrics).retryDelay()).isEqualTo(NamespaceFairness.RETRY);
    assertThat(new NamespaceFairness(1, () -> 0.999, clock, metrics).retryDelay().toMillis()).isEqualTo(9_995);
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
    fairness.tryTake("noisy", "AppToken", "slow");
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
      assertThat(deferred.get(10, TimeUnit.SECONDS).getScheduleDelay()).contains(7_500L);
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
