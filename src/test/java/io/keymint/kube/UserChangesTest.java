package io.keymint.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenStatus;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class UserChangesTest {

  private static AppToken token() {
    AppToken token = new AppToken();
    token.getMetadata().setName("t");
    token.getMetadata().setGeneration(3L);
    token.getMetadata().setResourceVersion("10");
    token.getMetadata().setAnnotations(Map.of("keymint.io/refresh", "1", "other", "x"));
    token.setStatus(new AppTokenStatus());
    return token;
  }

  private static boolean starts(Consumer<AppToken> change) {
    AppToken before = token();
    AppToken after = token();
    after.getMetadata().setResourceVersion("11");
    change.accept(after);
    return UserChanges.isUserChange(after, before);
  }

  @Test
  void keymintsOwnStatusWritesStartNothing() {
    assertThat(starts(t -> {
      t.getStatus().failedAttempts = 7;
      t.getStatus().conditions = List.of(new Condition(Condition.READY, "False", "IdentityProviderUnavailable", "", null, 3L));
    })).isFalse();
    assertThat(starts(t -> t.getMetadata().setAnnotations(Map.of("keymint.io/refresh", "1", "other", "changed")))).isFalse();
  }

  @Test
  void whatUsersChangeStartsAReconcile() {
    assertThat(starts(t -> t.getMetadata().setGeneration(4L))).as("spec").isTrue();
    assertThat(starts(t -> t.getMetadata().setAnnotations(Map.of("keymint.io/refresh", "2")))).as("refresh").isTrue();
    assertThat(starts(t -> t.getMetadata().setAnnotations(Map.of("keymint.io/refresh", "1", "keymint.io/rotate-secret", "a"))))
        .as("rotate-secret").isTrue();
    assertThat(starts(t -> t.getMetadata().setDeletionTimestamp("2026-11-23T10:00:00Z"))).as("deletion").isTrue();
    assertThat(starts(t -> t.getMetadata().setFinalizers(List.of("keymint.io/finalizer")))).as("finalizers").isTrue();
  }
}
