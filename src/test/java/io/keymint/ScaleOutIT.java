package io.keymint;

import static io.keymint.testing.KeymintFixture.ready;
import static org.assertj.core.api.Assertions.assertThat;

import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationSpec;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.TestRealm;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** High availability and scale-out on Kubernetes itself: a Lease between replicas, namespaces between deployments. */
@ExtendWith(KeycloakExtension.class)
class ScaleOutIT {

  @Test
  void ofTwoReplicasExactlyOneReconcilesAndTheOtherTakesOverWhenItStops(TestRealm realm) {
    try (KeymintFixture first = KeymintFixture.start(realm, Map.of("KEYMINT_LEADER_ELECTION", "true"))) {
      String namespace = first.newNamespace("ha");
      KeymintOperator second = first.startAnother("second-replica", Map.of());
      boolean secondStopped = false;
      try {
        create(first, namespace, "before");
        awaitProvisioned(first, namespace, "before");
        long byFirst = first.operator().keycloak().adminRequestCount();
        long bySecond = second.keycloak().adminRequestCount();
        assertThat(byFirst + bySecond).isPositive();
        assertThat(byFirst == 0 || bySecond == 0).as("exactly one replica reconciles (first %d, second %d requests)",
            byFirst, bySecond).isTrue();

        KeymintOperator survivor;
        if (byFirst > 0) {
          first.stopOperator();
          survivor = second;
        } else {
          second.close();
          secondStopped = true;
          survivor = first.operator();
        }
        long before = survivor.keycloak().adminRequestCount();
        create(first, namespace, "after");
        awaitProvisioned(first, namespace, "after");
        assertThat(survivor.keycloak().adminRequestCount()).as("the follower took over").isGreaterThan(before);
      } finally {
        if (!secondStopped) {
          second.close();
        }
      }
    }
  }

  @Test
  void twoDeploymentsSplitTheNamespacesBetweenThem(TestRealm realm) {
    try (KeymintFixture keymint = KeymintFixture.start(realm, Map.of())) {
      String mine = keymint.newNamespace("split-a");
      String theirs = keymint.newNamespace("split-b");
      String nobodys = keymint.newNamespace("split-c");
      keymint.stopOperator();
      keymint.settings(Map.of("KEYMINT_WATCH_NAMESPACES", mine));
      keymint.startOperator();
      try (KeymintOperator other = keymint.startAnother("other-deployment", Map.of("KEYMINT_WATCH_NAMESPACES", theirs))) {
        create(keymint, mine, "app");
        create(keymint, theirs, "app");
        create(keymint, nobodys, "app");
        awaitProvisioned(keymint, mine, "app");
        long byOther = other.keycloak().adminRequestCount();
        awaitProvisioned(keymint, theirs, "app");
        assertThat(other.keycloak().adminRequestCount()).as("the other deployment serves its namespace").isGreaterThan(0);
        assertThat(byOther).as("and only its own: it had not served the first namespace").isLessThanOrEqualTo(
            other.keycloak().adminRequestCount());
        assertThat(keymint.get(ClientApplication.class, nobodys, "app").getStatus())
            .as("a namespace no deployment watches is left alone").isNull();
        assertThat(realm.countClients(nobodys + ".app")).isZero();
      }
    }
  }

  private static void create(KeymintFixture keymint, String namespace, String name) {
    ClientApplication app = new ClientApplication();
    app.getMetadata().setName(name);
    app.getMetadata().setNamespace(namespace);
    app.setSpec(new ClientApplicationSpec());
    keymint.create(app);
  }

  private static void awaitProvisioned(KeymintFixture keymint, String namespace, String name) {
    keymint.awaitStatus(ClientApplication.class, namespace, name, ClientApplication::getStatus, ready("True", "Provisioned"));
  }
}
