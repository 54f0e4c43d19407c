package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnerMarkTest {

  @Test
  void recognisesItsOwnMarkAndTheOwnersNamespace() {
    OwnerMark mark = new OwnerMark("uid-1", "ClientApplication", "team-a", "scorer");
    Map<String, String> attributes = mark.attributes();
    assertThat(mark.isOn(attributes)).isTrue();
    assertThat(new OwnerMark("uid-2", "ClientApplication", "team-a", "scorer").isOn(attributes)).isFalse();
    assertThat(OwnerMark.namespaceOf(attributes)).isEqualTo("team-a");
    assertThat(OwnerMark.namespaceOf(Map.of("other", "x"))).isNull();
    assertThat(OwnerMark.namespaceOf(null)).isNull();
    assertThat(mark.isOn(null)).isFalse();
  }
}
