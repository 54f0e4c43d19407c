package io.keymint.keycloak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.keymint.kube.ReconcileException;
import jakarta.ws.rs.WebApplicationException;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a Keycloak admin answer becomes a reason: permanent ones wait for a change, the rest back off. */
class AdminCallsTest {

  private final AdminCalls admin = new AdminCalls("http://keycloak.test");

  @ParameterizedTest(name = "HTTP {0} on the {1}: {2}, retried {3}")
  @CsvSource({
      "401, client, Forbidden,                   false",
      "403, realm,  Forbidden,                   false",
      "404, realm,  RealmNotFound,               false",
      "404, client, ClientNotFound,              true", // deleted while Keymint worked on it: provisioned again
      "409, client, IdentityProviderUnavailable, true",
      "429, client, IdentityProviderUnavailable, true",
      "503, realm,  IdentityProviderUnavailable, true",
      "400, client, InvalidSpec,                 false",
  })
  void anAnswerBecomesAReason(int status, String on, String reason, boolean retried) {
    BiFunction<String, Supplier<Object>, Object> call = on.equals("realm") ? admin::callOnRealm : admin::call;
    ReconcileException e = catchThrowableOfType(ReconcileException.class, () -> call.apply("doing it", () -> {
      throw new WebApplicationException(status);
    }));
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.isRetryable()).isEqualTo(retried);
    assertThat(e.getMessage()).contains("doing it").contains(String.valueOf(status));
  }
}
