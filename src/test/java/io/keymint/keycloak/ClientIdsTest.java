package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientIdsTest {

  @ParameterizedTest(name = "{0} in {1}: {2} -> {3}")
  @CsvSource(delimiter = '|', textBlock = """
      {namespace}.*                  | team-a   | team-a.scorer        | true
      {namespace}.*                  | team-a   | team-a.              | true
      {namespace}.*                  | team-a   | team-a-scorer        | false
      {namespace}.*                  | team-a   | team-a-b.scorer      | false
      {namespace}.*                  | team-a-b | team-a.scorer        | false
      {namespace}.*                  | team-a   | xteam-a.scorer       | false
      {namespace}.*                  | team-a   | realm-management     | false
      {namespace}.*,{namespace}-*    | team-a   | team-a-scorer        | true
      apps-{namespace}-*             | team-a   | apps-team-a-scorer   | true
      apps-{namespace}-*             | team-a   | apps-team-b-scorer   | false
      {namespace}.x+                 | team-a   | team-a.xx            | false
      {namespace}.x+                 | team-a   | team-a.x+            | true
      """)
  void aChosenClientIdMatchesThePatternsOfItsOwnNamespace(String patterns, String namespace, String clientId,
      boolean allowed) {
    assertThat(ClientIds.allowed(List.of(patterns.split(",")), namespace, clientId)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0}/{1} and {2}/{3}")
  @CsvSource(delimiter = '|', textBlock = """
      a       | b-c       | a-b     | c
      team    | a.b       | team-a  | b
      team-a  | scorer    | team-a  | scorer.token
      """)
  void defaultsOfDifferentResourcesDiffer(String namespace1, String name1, String namespace2, String name2) {
    List<String> first = List.of(ClientIds.application(namespace1, name1), ClientIds.appToken(namespace1, name1));
    List<String> second = List.of(ClientIds.application(namespace2, name2), ClientIds.appToken(namespace2, name2));
    assertThat(first).doesNotContainAnyElementsOf(second);
    assertThat(ClientIds.legacyApplication("a", "b-c")).isEqualTo(ClientIds.legacyApplication("a-b", "c")); // why
  }
}
