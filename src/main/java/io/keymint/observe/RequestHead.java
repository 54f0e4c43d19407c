package io.keymint.observe;

import java.nio.charset.StandardCharsets;

/**
 * The request line of an HTTP/1.x request head, read from the bytes a connection has sent so far.
 * Header fields are not interpreted: the health server answers every request the same way and
 * closes the connection after it, so it needs only the method and the path.
 */
record RequestHead(String method, String path) {

  /**
   * Where the head ends (the index after its empty line; bare LF accepted as well as CRLF), or -1
   * while it has not all arrived. Scanning starts at {@code from}, so that bytes arriving one at a
   * time are not scanned again and again; {@code from} may be 0 or where the previous scan stopped
   * ({@code length} then), minus 3.
   */
  static int end(byte[] bytes, int from, int length) {
    for (int i = Math.max(from, firstLine(bytes, length)); i < length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      if (i + 1 < length && bytes[i + 1] == '\n') {
        return i + 2;
      }
      if (i + 2 < length && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /**
   * The method and path (without the query) of a whole head, or null when its request line is not
   * {@code METHOD SP /path SP HTTP/1.x}.
   */
  static RequestHead parse(byte[] bytes, int end) {
    int start = firstLine(bytes, end);
    int lineEnd = start;
    while (lineEnd < end && bytes[lineEnd] != '\n') {
      lineEnd++;
    }
    String[] parts = new String(bytes, start, lineEnd - start, StandardCharsets.ISO_8859_1).strip().split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || !parts[1].startsWith("/") || !parts[2].startsWith("HTTP/1.")) {
      return null;
    }
    int query = parts[1].indexOf('?');
    return new RequestHead(parts[0], query < 0 ? parts[1] : parts[1].substring(0, query));
  }

  /** Empty lines before the request line are ignored (RFC 9112, section 2.2). */
  private static int firstLine(byte[] bytes, int length) {
    int start = 0;
    while (start < length && (bytes[start] == '\r' || bytes[start] == '\n')) {
      start++;
    }
    return start;
  }
}
