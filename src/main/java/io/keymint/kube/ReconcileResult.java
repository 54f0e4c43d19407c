package io.keymint.kube;

import java.time.Duration;

/** What one reconcile came to: the outcome for the conditions, and when to look again. */
public record ReconcileResult(Outcome outcome, Duration next) {}
