package io.keymint.clientapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.kube.ReconcileException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceAccountBindingTest {

  @ParameterizedTest(name = "{0} in team-a -> {1}")
  @CsvSource({
      "scorer,        system:serviceaccount:team-a:scorer",
      "fraud-scorer,  system:serviceaccount:team-a:fraud-scorer",
      "a.b-c,         system:serviceaccount:team-a:a.b-c",
      "0,             system:serviceaccount:team-a:0"})
  void aServiceAccountOfTheResourcesOwnNamespaceIsBoundByItsName(String name, String subject) {
    ServiceAccountBinding binding = ServiceAccountBinding.of("team-a", name, false);
    assertThat(binding.namespace()).isEqualTo("team-a");
    assertThat(binding.subject()).isEqualTo(subject);
  }

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource(delimiter = '|', value = {
      // another namespace's account, however it is spelled
      "team-b:scorer                        | ServiceAccountNotAllowed",
      "system:serviceaccount:team-b:scorer  | ServiceAccountNotAllowed",
      "team-b/scorer                        | ServiceAccountNotAllowed",
      "scorer:x                             | ServiceAccountNotAllowed",
      // every Pod's account
      "default                              | ServiceAccountNotAllowed",
      // not a ServiceAccount name
      "Scorer                               | InvalidSpec",
      "-scorer                              | InvalidSpec",
      "scorer-                              | InvalidSpec",
      "sc orer                              | InvalidSpec",
      "scorer..x                            | InvalidSpec",
      "''                                   | InvalidSpec"})
  void anythingElseIsRefused(String name, String reason) {
    assertThatThrownBy(() -> ServiceAccountBinding.of("team-a", name, false))
        .isInstanceOfSatisfying(ReconcileException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.isRetryable()).isFalse();
          if ("ServiceAccountNotAllowed".equals(reason)) {
            assertThat(e.getMessage()).contains("namespace 'team-a'");
          }
        });
  }

  @org.junit.jupiter.api.Test
  void defaultOnlyWhenTheOperatorAllowsIt() {
    assertThatThrownBy(() -> ServiceAccountBinding.of("team-a", "default", false))
        .hasMessageContaining("KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT=true");
    assertThat(ServiceAccountBinding.of("team-a", "default", true).subject()).isEqualTo("system:serviceaccount:team-a:default");
    assertThatThrownBy(() -> ServiceAccountBinding.of("team-a", null, true))
        .hasMessageContaining("spec.serviceAccountName");
    assertThatThrownBy(() -> ServiceAccountBinding.of("team-a", "a".repeat(254), true))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo("InvalidSpec"));
  }
}
