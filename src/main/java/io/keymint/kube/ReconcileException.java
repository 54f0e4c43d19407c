package io.keymint.kube;

import java.time.Duration;

/**
 * A failure with a contract reason and a message that is safe to show in a condition (it never
 * contains a secret or a token). Transient failures are retried with backoff; permanent ones stall
 * the resource until something it depends on changes.
 */
public class ReconcileException extends RuntimeException {

  private final String reason;
  private final boolean retryable;
  private final Duration retryAfter;

  private ReconcileException(String reason, String message, boolean retryable, Duration retryAfter) {
    super(message, null, false, false);
    this.reason = reason;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  /** Will not succeed until the user changes something. */
  public static ReconcileException permanent(String reason, String message) {
    return new ReconcileException(reason, message, false, null);
  }

  /** May succeed on its own later (network, 5xx, 429): retried with exponential backoff. */
  public static ReconcileException retryable(String reason, String message) {
    return new ReconcileException(reason, message, true, null);
  }

  /** Retryable, and the other side said how long to wait first (HTTP 429/503 Retry-After). */
  public static ReconcileException retryableAfter(String reason, String message, Duration retryAfter) {
    return new ReconcileException(reason, message, true, retryAfter);
  }

  /** How long the other side asked us to wait, or null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public String reason() {
    return reason;
  }

  public boolean isRetryable() {
    return retryable;
  }
}
