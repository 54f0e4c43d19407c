package io.keymint.apptoken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.keymint.api.AuthMethod;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.RefreshPolicy;
import io.keymint.kube.ReconcileException;
import io.keymint.token.TokenUrlPolicy;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AppTokenModelTest {

  private static final TokenUrlPolicy POLICY = new TokenUrlPolicy(List.of("idp.example"), false);

  private static AppToken token(Consumer<AppTokenSpec> edit) {
    AppToken token = new AppToken();
    token.getMetadata().setName("scorer");
    token.getMetadata().setNamespace("team-a");
    token.setSpec(new AppTokenSpec());
    edit.accept(token.getSpec());
    return token;
  }

  @Test
  void eachSourceWithTheContractDefaults() {
    AppTokenModel app = AppTokenModel.from(token(s -> s.clientApplicationRef = new LocalObjectReference("fraud-scorer")), POLICY);
    assertThat(app.source()).isEqualTo(AppTokenModel.Source.APPLICATION);
    assertThat(app.secretName()).isEqualTo("scorer-token");
    assertThat(app.scope()).isNull();

    AppTokenModel audience = AppTokenModel.from(token(s -> {
      s.audience = new AppTokenSpec.Audience();
      s.audience.selector = new LabelSelectorBuilder().addToMatchLabels("group", "a").build();
      s.audience.roles = List.of("read");
      s.scopes = List.of("openid", "profile");
    }), POLICY);
    assertThat(audience.source()).isEqualTo(AppTokenModel.Source.AUDIENCE);
    assertThat(audience.scope()).isEqualTo("openid profile");
    assertThat(AppTokenModel.dedicatedClientId(token(s -> { }))).isEqualTo("team-a.scorer_token");
    AppToken legacy = token(s -> { });
    legacy.setStatus(new AppTokenStatus());
    legacy.getStatus().clientId = "team-a-scorer-token"; // made before the clientId rules: kept, the mark decides
    assertThat(AppTokenModel.dedicatedClientId(legacy)).isEqualTo("team-a-scorer-token");
    legacy.getStatus().clientId = "team-b-victim-token";
    assertThat(AppTokenModel.dedicatedClientId(legacy)).isEqualTo("team-a.scorer_token");

    AppTokenModel external = AppTokenModel.from(token(s -> s.clientCredentials = external("https://idp.example/token")), POLICY);
    assertThat(external.source()).isEqualTo(AppTokenModel.Source.CLIENT_CREDENTIALS);
    assertThat(external.authMethod()).isEqualTo(AuthMethod.ClientSecretBasic);
    assertThat(external.tokenUrl().getHost()).isEqualTo("idp.example");
  }

  @Test
  void grantsOnlyTheRequestedRolesAnApplicationDefines() {
    AppToken token = token(s -> {
      s.audience = new AppTokenSpec.Audience();
      s.audience.roles = List.of("read", "operate");
    });
    assertThat(AppTokenModel.grantableOn(token, List.of("read", "admin"))).containsExactly("read");
    assertThat(AppTokenModel.grantableOn(token, null)).isEmpty();
  }

  @Test
  void badSpecsAreRefusedWithAReason() {
    assertReason(s -> { }, "InvalidSpec");
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.clientCredentials = external("https://idp.example/token");
    }, "InvalidSpec");
    assertReason(s -> s.clientCredentials = external("https://elsewhere.example/token"), "TokenEndpointNotAllowed");
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.refresh = new RefreshPolicy();
      s.refresh.beforeExpiryPercentage = 95;
    }, "InvalidSpec");
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.refresh = new RefreshPolicy();
      s.refresh.beforeExpiry = "soon";
    }, "InvalidSpec");
  }

  @ParameterizedTest(name = "{0} with keys {1}/{2}/{3}/{4}: {5}")
  @CsvSource(nullValues = "-", delimiter = '|', textBlock = """
      -                 | -   | -      | -   | -   | client_id, client_secret, -, -
      ClientSecretPost  | id  | secret | -   | -   | id, secret, -, -
      PrivateKeyJwt     | -   | -      | -   | -   | client_id, -, private_key, key_id
      PrivateKeyJwt     | id  | -      | pem | kid | id, -, pem, kid
      PrivateKeyJwt     | -   | secret | -   | -   | InvalidSpec: clientSecretKey is not read with authMethod PrivateKeyJwt
      ClientSecretBasic | -   | -      | pem | -   | InvalidSpec: privateKeyKey and keyIdKey go with authMethod PrivateKeyJwt
      -                 | -   | -      | -   | kid | InvalidSpec: privateKeyKey and keyIdKey go with authMethod PrivateKeyJwt
      """)
  void whichKeysOfTheCredentialsSecretAreRead(AuthMethod method, String idKey, String secretKey, String privateKeyKey,
      String keyIdKey, String expected) {
    AppToken token = token(s -> {
      s.clientCredentials = external("https://idp.example/token");
      s.clientCredentials.authMethod = method;
      s.clientCredentials.secretRef.clientIdKey = idKey;
      s.clientCredentials.secretRef.clientSecretKey = secretKey;
      s.clientCredentials.secretRef.privateKeyKey = privateKeyKey;
      s.clientCredentials.secretRef.keyIdKey = keyIdKey;
    });
    if (expected.startsWith("InvalidSpec: ")) {
      assertThatThrownBy(() -> AppTokenModel.from(token, POLICY)).isInstanceOfSatisfying(ReconcileException.class, e -> {
        assertThat(e.reason()).isEqualTo("InvalidSpec");
        assertThat(e.getMessage()).contains(expected.substring("InvalidSpec: ".length()));
      });
      return;
    }
    AppTokenModel.SecretKeys keys = AppTokenModel.from(token, POLICY).secretKeys();
    assertThat(keys.clientId() + ", " + orDash(keys.clientSecret()) + ", " + orDash(keys.privateKey()) + ", "
        + orDash(keys.keyId())).isEqualTo(expected);
    assertThat(keys.required()).as("the key id may be absent").doesNotContainNull().doesNotContain(keys.keyId() == null ? "x" : keys.keyId());
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }

  private static AppTokenSpec.ClientCredentials external(String url) {
    AppTokenSpec.ClientCredentials credentials = new AppTokenSpec.ClientCredentials();
    credentials.tokenUrl = url;
    credentials.secretRef = new AppTokenSpec.CredentialsSecretRef();
    credentials.secretRef.name = "creds";
    return credentials;
  }

  private static void assertReason(Consumer<AppTokenSpec> edit, String reason) {
    assertThatThrownBy(() -> AppTokenModel.from(token(edit), POLICY))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void secretTemplatesNameOnlyTheTokenSecretsKeys() {
    AppTokenModel.from(token(s -> {
      s.clientApplicationRef = new LocalObjectReference("fraud-scorer");
      s.secret = templated("Bearer {{access_token}} {{scope}} {{id_token}}");
    }), POLICY);
    assertThatThrownBy(() -> AppTokenModel.from(token(s -> {
      s.clientApplicationRef = new LocalObjectReference("fraud-scorer");
      s.secret = templated("Bearer {{nope}}");
    }), POLICY)).isInstanceOfSatisfying(ReconcileException.class,
        e -> assertThat(e.getMessage()).contains("secret.template.data.authorization").contains("'nope'"));
  }

  private static io.keymint.api.TokenSecret templated(String template) {
    io.keymint.api.TokenSecret secret = new io.keymint.api.TokenSecret();
    secret.template = new io.keymint.api.SecretTemplate();
    secret.template.data = java.util.Map.of("authorization", template);
    return secret;
  }
}
