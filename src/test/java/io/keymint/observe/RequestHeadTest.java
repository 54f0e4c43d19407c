package io.keymint.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestHeadTest {

  @Test
  void aHeadEndsAtItsEmptyLineWithCrlfOrBareLf() {
    assertThat(end("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(34);
    assertThat(end("GET /healthz HTTP/1.1\nHost: x\n\nbody")).isEqualTo(31);
    assertThat(end("\r\nGET /healthz HTTP/1.1\r\n\r\n")).isEqualTo(27);
    assertThat(end("GET /heal")).isEqualTo(-1);
    assertThat(end("GET /healthz HTTP/1.1\r\nHost: x\r\n\r")).isEqualTo(-1);
    assertThat(end("\r\n\r\n")).isEqualTo(-1);
  }

  @Test
  void scanningResumesWhereThePreviousScanStopped() {
    byte[] bytes = "GET /healthz HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    for (int length = 1; length < bytes.length; length++) {
      assertThat(RequestHead.end(bytes, length - 1 - 3, length)).isEqualTo(-1);
    }
    assertThat(RequestHead.end(bytes, bytes.length - 1 - 3, bytes.length)).isEqualTo(bytes.length);
  }

  @Test
  void theRequestLineGivesMethodAndPathWithoutQuery() {
    assertThat(parse("GET /readyz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(new RequestHead("GET", "/readyz"));
    assertThat(parse("\r\nHEAD /metrics HTTP/1.0\r\n\r\n")).isEqualTo(new RequestHead("HEAD", "/metrics"));
    assertThat(parse("hello\r\n\r\n")).isNull();
    assertThat(parse("GET http://127.0.0.1/healthz HTTP/1.1\r\n\r\n")).isNull();
    assertThat(parse("GET /healthz HTTP/2\r\n\r\n")).isNull();
    assertThat(parse("GET  /healthz HTTP/1.1\r\n\r\n")).isNull();
  }

  private static int end(String head) {
    byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
    return RequestHead.end(bytes, 0, bytes.length);
  }

  private static RequestHead parse(String head) {
    byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
    return RequestHead.parse(bytes, end(head));
  }
}
