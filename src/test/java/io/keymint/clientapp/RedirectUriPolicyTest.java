package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedirectUriPolicyTest {

  private static final RedirectUriPolicy ANY_HOST = new RedirectUriPolicy(List.of());
  private static final RedirectUriPolicy LISTED = new RedirectUriPolicy(List.of("app.example.com", "*.apps.example.com"));

  /** value | refused with any host (empty: allowed) | refused with the host list (empty: allowed). */
  @ParameterizedTest(name = "redirect URI {0}")
  @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
      https://app.example.com/callback      |                          |
      https://app.example.com/*             |                          |
      http://app.example.com:8080/cb?x=1    |                          |
      HTTPS://APP.EXAMPLE.COM/cb            |                          |
      https://team-a.apps.example.com/cb    |                          |
      https://a.b.apps.example.com/*        |                          |
      https://apps.example.com/cb           |                          | not in KEYMINT_REDIRECT_URI_HOSTS
      https://evil.example/cb               |                          | host 'evil.example' is not in KEYMINT_REDIRECT_URI_HOSTS
      https://app.example.com.evil.io/cb    |                          | not in KEYMINT_REDIRECT_URI_HOSTS
      https://evilapps.example.com/cb       |                          | not in KEYMINT_REDIRECT_URI_HOSTS
      *                                     | wildcard                 | wildcard
      /*                                    | wildcard                 | wildcard
      https://*.example.com                 | wildcard in its host     | wildcard in its host
      https://*.apps.example.com/cb         | wildcard in its host     | wildcard in its host
      https://app*.example.com/cb           | wildcard in its host     | wildcard in its host
      https://app.example.com:*/cb          | wildcard in its host     | wildcard in its host
      relative/path                         | not an absolute http(s)  | not an absolute http(s)
      //app.example.com/cb                  | not an absolute http(s)  | not an absolute http(s)
      ftp://app.example.com/cb              | not an absolute http(s)  | not an absolute http(s)
      javascript:alert(1)                   | not an absolute http(s)  | not an absolute http(s)
      com.example.app:/oauth                | not an absolute http(s)  | not an absolute http(s)
      https:///cb                           | has no host              | has no host
      https:cb                              | has no host              | has no host
      https://x@app.example.com/cb          | user information         | user information
      https://app.example.com/cb#frag       | fragment                 | fragment
      https://app.example.com/a b           | not a URI                | not a URI
      ''                                    | empty                    | empty
      NULL                                  | empty                    | empty
      """)
  void redirectUris(String value, String anyHost, String listed) {
    assertVerdict(ANY_HOST.rejectRedirectUri(value).orElse(null), anyHost);
    assertVerdict(LISTED.rejectRedirectUri(value).orElse(null), listed);
  }

  @ParameterizedTest(name = "web origin {0}")
  @CsvSource(delimiter = '|', textBlock = """
      +                                     |                          |
      https://app.example.com               |                          |
      http://localhost:3000                 |                          | not in KEYMINT_REDIRECT_URI_HOSTS
      https://team-a.apps.example.com/      |                          |
      https://evil.example                  |                          | not in KEYMINT_REDIRECT_URI_HOSTS
      *                                     | wildcard                 | wildcard
      https://*.example.com                 | wildcard in its host     | wildcard in its host
      https://app.example.com/*             | not an origin            | not an origin
      https://app.example.com/path          | not an origin            | not an origin
      https://app.example.com?x=1           | not an origin            | not an origin
      ++                                    | not an absolute http(s)  | not an absolute http(s)
      app.example.com                       | not an absolute http(s)  | not an absolute http(s)
      """)
  void webOrigins(String value, String anyHost, String listed) {
    assertVerdict(ANY_HOST.rejectWebOrigin(value).orElse(null), anyHost);
    assertVerdict(LISTED.rejectWebOrigin(value).orElse(null), listed);
  }

  private static void assertVerdict(String why, String expected) {
    if (expected == null) {
      assertThat(why).as("allowed").isNull();
    } else {
      assertThat(why).as("refused").isNotNull().contains(expected);
    }
  }
}
