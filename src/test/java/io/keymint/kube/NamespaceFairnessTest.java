package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.keymint.observe.KeymintMetrics;
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

  @ParameterizedTest(name = "limit {0}, {1} held in its namespace, {2} in another: runs {3}")
  @CsvSource(textBlock = """
      # limit | held here | held in another namespace | runs
        1     | 0         | 0                         | true
        1     | 1         | 0                         | false
        1     | 0         | 1                         | true
        2     | 1         | 0                         | true
        2     | 2         | 0                         | false
        2     | 1         | 2                         | true
        12    | 11        | 12                        | true
        12    | 12        | 0                         | false
      """, delimiter = '|')
  void aReconcileRunsOnlyWhileItsNamespaceHasASlotFree(int limit, int heldHere, int heldElsewhere, boolean runs) {
    NamespaceFairness fairness = new NamespaceFairness(limit, () -> 0.5, metrics);
    for (int i = 0; i < heldHere; i++) {
      assertThat(fairness.tryTake("noisy")).isTrue();
    }
    for (int i = 0; i < heldElsewhere; i++) {
      assertThat(fairness.tryTake("other")).isTrue();
    }
    AtomicInteger ran = new AtomicInteger();
    UpdateControl<ConfigMap> control = fairness.reconcile(resource("noisy"), () -> {
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
  void aDeferredCleanupKeepsTheFinalizerAndComesBackSoon() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.0, metrics);
    fairness.tryTake("noisy");
    DeleteControl control = fairness.cleanup(resource("noisy"), DeleteControl::defaultDelete);
    assertThat(control.isRemoveFinalizer()).isFalse();
    assertThat(control.getScheduleDelay()).contains(500L);
    assertThat(fairness.cleanup(resource("quiet"), DeleteControl::defaultDelete).isRemoveFinalizer()).isTrue();
  }

  @Test
  void theRetryIsJitteredBetweenHalfASecondAndASecond() {
    assertThat(new NamespaceFairness(1, () -> 0.0, metrics).retryDelay()).hasMillis(500);
    assertThat(new NamespaceFairness(1, () -> 0.999, metrics).retryDelay().toMillis()).isEqualTo(999);
  }

  @Test
  void aReconcileThatThrowsGivesItsSlotBackAndTheTableForgetsIdleNamespaces() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, metrics);
    assertThatThrownBy(() -> fairness.reconcile(resource("noisy"), () -> {
      throw new IllegalStateException("boom");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(fairness.held("noisy")).isZero();
    assertThat(fairness.reconcile(resource("noisy"), UpdateControl::noUpdate).getScheduleDelay()).isEmpty();
  }

  @Test
  void deferredReconcilesAreCountedPerNamespace() {
    NamespaceFairness fairness = new NamespaceFairness(1, () -> 0.5, metrics);
    fairness.tryTake("noisy");
    fairness.reconcile(resource("noisy"), UpdateControl::noUpdate);
    fairness.reconcile(resource("noisy"), UpdateControl::noUpdate);
    assertThat(metrics.scrape()).contains("keymint_reconciles_deferred_total{namespace=\"noisy\"} 2.0");
  }

  /**
   * The noisy namespace's slots are all held by reconciles stuck in slow calls: its next reconcile
   * returns at once, without waiting for them, and the quiet namespace's reconcile runs meanwhile.
   */
  @Test
  void aNamespaceAtItsLimitNeitherBlocksAThreadNorHoldsBackAnotherNamespace() throws Exception {
    NamespaceFairness fairness = new NamespaceFairness(2, () -> 0.5, metrics);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    CountDownLatch slowCallsStarted = new CountDownLatch(2);
    CountDownLatch endpointAnswers = new CountDownLatch(1);
    try {
      for (int i = 0; i < 2; i++) {
        threads.submit(() -> fairness.reconcile(resource("noisy"), () -> {
          slowCallsStarted.countDown();
          await(endpointAnswers);
          return UpdateControl.<ConfigMap>noUpdate();
        }));
      }
      assertThat(slowCallsStarted.await(10, TimeUnit.SECONDS)).isTrue();
      Future<UpdateControl<ConfigMap>> deferred = threads.submit(() -> fairness.reconcile(resource("noisy"),
          () -> { throw new AssertionError("ran past the namespace's limit"); }));
      Future<UpdateControl<ConfigMap>> quiet = threads.submit(() -> fairness.reconcile(resource("quiet"),
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

  private static ConfigMap resource(String namespace) {
    return new ConfigMapBuilder().withNewMetadata().withName("r").withNamespace(namespace).endMetadata().build();
  }
}
