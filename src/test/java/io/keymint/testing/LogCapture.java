package io.keymint.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps every log line of the test run (every logger, every level configured in
 * logback-test.xml, stack traces included) so tests can prove that no secret was logged.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> {

  private static final ConcurrentLinkedQueue<String> LINES = new ConcurrentLinkedQueue<>();

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.append('\n').append(ThrowableProxyUtil.asString(thrown));
    }
    LINES.add(line.toString());
  }

  /** The logged lines that contain any of the given values (empty values are ignored). */
  public static List<String> linesContainingAny(Collection<String> values) {
    return LINES.stream()
        .filter(line -> values.stream().anyMatch(v -> v != null && v.length() >= 6 && line.contains(v)))
        .toList();
  }
}
