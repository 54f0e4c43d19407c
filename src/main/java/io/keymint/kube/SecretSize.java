package io.keymint.kube;

import java.util.Map;

/**
 * The size of Secret data as the API server counts it (the UTF-8 bytes of every key and value),
 * worked out without encoding anything, so that a size can be refused before memory is spent on
 * it. Pure.
 */
public final class SecretSize {

  private SecretSize() {}

  /** The bytes of every key and value. */
  public static long of(Map<String, String> data) {
    long bytes = 0;
    for (Map.Entry<String, String> e : data.entrySet()) {
      bytes += of(e.getKey()) + of(e.getValue());
    }
    return bytes;
  }

  /** The UTF-8 bytes of the text (a lone surrogate counted as two: never less than it encodes to); 0 for null. */
  public static long of(String text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  /** The size for a message, rounded up: "700 bytes", "513 KiB", "50 MiB". */
  public static String format(long bytes) {
    return bytes < 1024 ? bytes + " bytes" : bytes < 1024 * 1024 ? (bytes + 1023) / 1024 + " KiB"
        : (bytes + 1024 * 1024 - 1) / (1024 * 1024) + " MiB";
  }
}
