package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorsTest {

  @Test
  void matchLabelsNeedsEveryLabel() {
    LabelSelector selector = new LabelSelectorBuilder().addToMatchLabels("group", "a").addToMatchLabels("tier", "x").build();
    assertThat(Selectors.matches(selector, Map.of("group", "a", "tier", "x", "other", "y"))).isTrue();
    assertThat(Selectors.matches(selector, Map.of("group", "a"))).isFalse();
    assertThat(Selectors.matches(selector, null)).isFalse();
  }

  @Test
  void matchExpressionsFollowKubernetes() {
    LabelSelector selector = new LabelSelectorBuilder()
        .addNewMatchExpression().withKey("group").withOperator("In").withValues("a", "b").endMatchExpression()
        .addNewMatchExpression().withKey("legacy").withOperator("DoesNotExist").endMatchExpression()
        .addNewMatchExpression().withKey("env").withOperator("NotIn").withValues("prod").endMatchExpression()
        .addNewMatchExpression().withKey("owner").withOperator("Exists").endMatchExpression()
        .build();
    assertThat(Selectors.matches(selector, Map.of("group", "b", "owner", "me"))).isTrue();
    assertThat(Selectors.matches(selector, Map.of("group", "b", "owner", "me", "env", "dev"))).isTrue();
    assertThat(Selectors.matches(selector, Map.of("group", "c", "owner", "me"))).isFalse();
    assertThat(Selectors.matches(selector, Map.of("group", "a", "owner", "me", "legacy", "1"))).isFalse();
    assertThat(Selectors.matches(selector, Map.of("group", "a", "owner", "me", "env", "prod"))).isFalse();
    assertThat(Selectors.matches(selector, Map.of("group", "a"))).isFalse();
  }

  @Test
  void anEmptySelectorMatchesEverything() {
    assertThat(Selectors.matches(new LabelSelector(), Map.of("x", "y"))).isTrue();
    assertThat(Selectors.matches(null, Map.of())).isTrue();
  }

  @Test
  void anUnknownOperatorIsAnError() {
    LabelSelector selector = new LabelSelectorBuilder()
        .addNewMatchExpression().withKey("k").withOperator("Like").endMatchExpression().build();
    assertThatThrownBy(() -> Selectors.matches(selector, Map.of())).hasMessageContaining("Like");
  }
}
