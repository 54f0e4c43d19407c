package io.keymint.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.kube.ReconcileException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenUrlPolicyTest {

  @Test
  void anyHttpsHostWhenNoListIsSet() {
    assertThat(new TokenUrlPolicy(List.of(), false).check("https://idp.example/token").getHost()).isEqualTo("idp.example");
  }

  @Test
  void plainHttpOnlyWhenAllowed() {
    assertReason(new TokenUrlPolicy(List.of(), false), "http://idp.example/token", "TokenEndpointNotAllowed", "KEYMINT_ALLOW_HTTP");
    assertThat(new TokenUrlPolicy(List.of(), true).check("http://127.0.0.1:8080/token").getPort()).isEqualTo(8080);
    assertReason(new TokenUrlPolicy(List.of(), true), "ftp://idp.example/token", "TokenEndpointNotAllowed", "https");
  }

  @Test
  void hostsMustBeListedWhenAListIsSet() {
    TokenUrlPolicy policy = new TokenUrlPolicy(List.of("auth.cloud.h2o.ai", "*.wallaroo.example"), false);
    assertThat(policy.check("https://auth.cloud.h2o.ai/auth/realms/hac/protocol/openid-connect/token")).isNotNull();
    assertThat(policy.check("https://keycloak.wallaroo.example/token")).isNotNull();
    assertReason(policy, "https://evil.example/token", "TokenEndpointNotAllowed", "KEYMINT_TOKEN_URL_HOSTS");
    assertReason(policy, "https://wallaroo.example.evil.com/token", "TokenEndpointNotAllowed", "evil");
  }

  @Test
  void malformedUrlsAndEmbeddedCredentialsAreInvalid() {
    TokenUrlPolicy policy = new TokenUrlPolicy(List.of(), false);
    assertReason(policy, "not a url", "InvalidSpec", "not a URL");
    assertReason(policy, "/relative/token", "InvalidSpec", "absolute");
    assertReason(policy, "https://0x7f.1/token", "InvalidSpec", "absolute");
    assertReason(policy, "https://127.1/token", "InvalidSpec", "absolute");
    assertThatThrownBy(() -> policy.check("https://user:hunter2@idp.example/token"))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo("InvalidSpec");
          assertThat(e.getMessage()).doesNotContain("hunter2");
        });
  }

  /** What the fake DNS answers; hosts not in it do not resolve. */
  private static final Map<String, List<String>> DNS = Map.ofEntries(
      Map.entry("idp.example", List.of("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")),
      Map.entry("localhost", List.of("127.0.0.1", "::1")),
      Map.entry("localhost.", List.of("127.0.0.1", "::1")),
      Map.entry("metadata.google.internal", List.of("169.254.169.254")),
      Map.entry("keycloak.keycloak.svc.cluster.local", List.of("10.96.12.7")),
      Map.entry("mixed.example", List.of("93.184.215.14", "192.168.1.20")),
      Map.entry("cgnat.example", List.of("100.64.0.1")),
      Map.entry("cgnat-edge.example", List.of("100.128.0.1")),
      Map.entry("docker.example", List.of("172.17.0.1")),
      Map.entry("public172.example", List.of("172.32.0.1")),
      Map.entry("ula.example", List.of("fd00:ec2::254")),
      Map.entry("linklocal6.example", List.of("fe80::1")),
      Map.entry("mapped.example", List.of("mapped:127.0.0.1")),
      Map.entry("mapped-metadata.example", List.of("mapped:169.254.169.254")),
      Map.entry("mapped-public.example", List.of("mapped:93.184.215.14")),
      Map.entry("nat64.example", List.of("64:ff9b::a9fe:a9fe")),
      Map.entry("multicast.example", List.of("239.1.2.3")),
      Map.entry("zero.example", List.of("0.0.0.0")),
      Map.entry("broadcast.example", List.of("255.255.255.255")),
      Map.entry("empty.example", List.of()));

  private final List<String> resolved = new ArrayList<>();

  private TokenUrlPolicy.Resolver fakeDns() {
    return host -> {
      resolved.add(host);
      List<String> answer = DNS.get(host);
      if (answer == null) {
        throw new UnknownHostException(host);
      }
      InetAddress[] addresses = new InetAddress[answer.size()];
      for (int i = 0; i < addresses.length; i++) {
        String a = answer.get(i);
        addresses[i] = a.startsWith("mapped:") // an Inet6Address holding ::ffff:a.b.c.d, as some resolvers return
            ? Inet6Address.getByAddress(host, mapped(InetAddress.getByName(a.substring(7)).getAddress()), -1)
            : InetAddress.getByAddress(host, InetAddress.getByName(a).getAddress());
      }
      return addresses;
    };
  }

  /** url | KEYMINT_TOKEN_URL_HOSTS (';'-separated) | expected: allowed, a reason, or "literal" (refused, no DNS). */
  @ParameterizedTest(name = "{0} with [{1}]: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      https://idp.example/token                              |                     | allowed
      https://169.254.169.254/latest/meta-data/iam           |                     | literal
      https://10.1.2.3/token                                 |                     | literal
      https://127.0.0.1:8443/token                           |                     | literal
      https://[::1]/token                                    |                     | literal
      https://[::ffff:169.254.169.254]/token                 |                     | literal
      https://[fd00:ec2::254]/token                          |                     | literal
      https://0.0.0.0/token                                  |                     | literal
      https://224.0.0.1/token                                |                     | literal
      https://93.184.215.14/token                            |                     | literal
      https://2130706433/token                               |                     | literal
      https://localhost/token                                |                     | TokenEndpointNotAllowed
      https://localhost./token                               |                     | TokenEndpointNotAllowed
      https://LOCALHOST/token                                |                     | TokenEndpointNotAllowed
      https://metadata.google.internal/computeMetadata/v1    |                     | TokenEndpointNotAllowed
      https://keycloak.keycloak.svc.cluster.local/token      |                     | TokenEndpointNotAllowed
      https://mixed.example/token                            |                     | TokenEndpointNotAllowed
      https://cgnat.example/token                            |                     | TokenEndpointNotAllowed
      https://cgnat-edge.example/token                       |                     | allowed
      https://docker.example/token                           |                     | TokenEndpointNotAllowed
      https://public172.example/token                        |                     | allowed
      https://ula.example/token                              |                     | TokenEndpointNotAllowed
      https://linklocal6.example/token                       |                     | TokenEndpointNotAllowed
      https://mapped.example/token                           |                     | TokenEndpointNotAllowed
      https://mapped-metadata.example/token                  |                     | TokenEndpointNotAllowed
      https://mapped-public.example/token                    |                     | allowed
      https://nat64.example/token                            |                     | TokenEndpointNotAllowed
      https://multicast.example/token                        |                     | TokenEndpointNotAllowed
      https://zero.example/token                             |                     | TokenEndpointNotAllowed
      https://broadcast.example/token                        |                     | TokenEndpointNotAllowed
      https://empty.example/token                            |                     | TokenEndpointNotAllowed
      https://nowhere.example/token                          |                     | IdentityProviderUnavailable
      https://localhost/token                                | localhost           | allowed
      http://localhost:8080/token                            | localhost           | allowed
      https://127.0.0.1:8443/token                           | 127.0.0.1           | allowed
      https://[::1]/token                                    | ::1                 | allowed
      https://[::1]/token                                    | [::1]               | allowed
      https://keycloak.keycloak.svc.cluster.local/token      | *.cluster.local     | TokenEndpointNotAllowed
      https://keycloak.keycloak.svc.cluster.local/token      | *.cluster.local;keycloak.keycloak.svc.cluster.local | allowed
      https://idp.example/token                              | *.example           | allowed
      """)
  void addressRule(String url, String listed, String expected) {
    TokenUrlPolicy policy = new TokenUrlPolicy(listed == null ? List.of() : Arrays.asList(listed.split(";")), true, fakeDns());
    URI uri = policy.check(url);
    if (expected.equals("allowed")) {
      policy.checkAddress(uri);
      return;
    }
    String reason = expected.equals("literal") ? "TokenEndpointNotAllowed" : expected;
    assertThatThrownBy(() -> policy.checkAddress(uri)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.isRetryable()).isEqualTo(reason.equals("IdentityProviderUnavailable"));
      if (reason.equals("TokenEndpointNotAllowed")) {
        assertThat(e.getMessage()).contains("is not allowed", "KEYMINT_TOKEN_URL_HOSTS");
      } else {
        assertThat(e.getMessage()).contains("does not resolve");
      }
      List<String> answer = DNS.getOrDefault(uri.getHost().toLowerCase(), List.of());
      for (String address : answer) { // never what the host resolved to
        assertThat(e.getMessage()).doesNotContain(address.replace("mapped:", ""));
      }
    });
    if (expected.equals("literal")) {
      assertThat(resolved).as("an IP literal is refused without a DNS lookup").isEmpty();
    }
  }

  @Test
  void internalAddressesAreRecognisedInEveryForm() throws Exception {
    for (String internal : List.of("127.0.0.1", "127.255.0.9", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "::",
        "224.0.0.1", "ff02::1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "100.64.0.0",
        "100.127.255.255", "fc00::1", "fd12:3456::1", "::ffff:10.1.2.3", "64:ff9b::7f00:1", "0.1.2.3", "240.0.0.1")) {
      assertThat(TokenUrlPolicy.internal(InetAddress.getByName(internal))).as(internal).isTrue();
    }
    for (String external : List.of("93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "100.63.255.255",
        "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808")) {
      assertThat(TokenUrlPolicy.internal(InetAddress.getByName(external))).as(external).isFalse();
    }
  }

  private static byte[] mapped(byte[] ipv4) {
    byte[] b = new byte[16];
    b[10] = (byte) 0xff;
    b[11] = (byte) 0xff;
    System.arraycopy(ipv4, 0, b, 12, 4);
    return b;
  }

  private static void assertReason(TokenUrlPolicy policy, String url, String reason, String messagePart) {
    assertThatThrownBy(() -> policy.check(url)).isInstanceOfSatisfying(ReconcileException.class, e -> {
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(e.getMessage()).contains(messagePart);
      assertThat(e.isRetryable()).isFalse();
    });
  }
}
