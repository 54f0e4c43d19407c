package io.keymint.kube;

/**
 * A failure with a contract reason and a message that is safe to show in a condition (it never
 * contains a secret or a token). Transient failures are retried with backoff; permanent ones stall
 * the resource until something it depends on changes.
 */
public class ReconcileException extends RuntimeException {

  private final String reason;
  private final boolean retryable;

  private ReconcileException(String reason, String message, boolean retryable) {
    super(message, null, false, false);
    this.reason = reason;
    this.retryable = retryable;
  }

  /** Will not succeed until the user changes something. */
  public static ReconcileException permanent(String reason, String message) {
    return new ReconcileException(reason, message, false);
  }

  /** May succeed on its own later (network, 5xx, 429): retried with exponential backoff. */
  public static ReconcileException retryable(String reason, String message) {
    return new ReconcileException(reason, message, true);
  }

  public String reason() {
    return reason;
  }

  public boolean isRetryable() {
    return retryable;
  }
}
