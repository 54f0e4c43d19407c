package io.keymint.platformtoken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keymint.api.AuthMethod;
import io.keymint.api.LocalObjectReference;
import io.keymint.api.SecretKeyReference;
import io.keymint.kube.ReconcileException;
import io.keymint.token.TokenUrlPolicy;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTokenModelTest {

  private static final TokenUrlPolicy POLICY = new TokenUrlPolicy(List.of(), false);

  private static PlatformToken token(Consumer<PlatformTokenSpec> edit) {
    PlatformToken token = new PlatformToken();
    token.getMetadata().setName("h2o");
    token.getMetadata().setNamespace("team-a");
    token.setSpec(new PlatformTokenSpec());
    edit.accept(token.getSpec());
    return token;
  }

  private static PlatformTokenSpec.Grant refreshToken() {
    PlatformTokenSpec.Grant grant = new PlatformTokenSpec.Grant();
    grant.refreshToken = new PlatformTokenSpec.RefreshTokenGrant();
    grant.refreshToken.secretRef = new SecretKeyReference("h2o-platform-token", "token");
    return grant;
  }

  @Test
  void explicitEndpointWithARefreshToken() {
    PlatformTokenModel model = PlatformTokenModel.from(token(s -> {
      s.tokenUrl = "https://auth.cloud.h2o.ai/auth/realms/hac/protocol/openid-connect/token";
      s.clientId = "hac-platform-public";
      s.grant = refreshToken();
    }), POLICY);
    assertThat(model.grant()).isEqualTo(PlatformTokenModel.Grant.REFRESH_TOKEN);
    assertThat(model.secretName()).isEqualTo("h2o-token");
    assertThat(model.stateSecretName()).isEqualTo("h2o-keymint-state");
    assertThat(model.tokenUrl().getHost()).isEqualTo("auth.cloud.h2o.ai");
  }

  @Test
  void applicationEndpointWithAnApiKey() {
    PlatformTokenModel model = PlatformTokenModel.from(token(s -> {
      s.clientApplicationRef = new LocalObjectReference("platform");
      s.grant = new PlatformTokenSpec.Grant();
      s.grant.apiKey = new PlatformTokenSpec.ApiKeyGrant();
      s.grant.apiKey.secretRef = new SecretKeyReference("ibm-key", "apikey");
    }), POLICY);
    assertThat(model.grant()).isEqualTo(PlatformTokenModel.Grant.API_KEY);
    assertThat(model.tokenUrl()).as("the application's URL is resolved later").isNull();
  }

  @Test
  void badSpecsAreRefusedWithAReason() {
    assertReason(s -> s.grant = refreshToken(), "InvalidSpec"); // no endpoint
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.tokenUrl = "https://idp.example/token";
      s.grant = refreshToken();
    }, "InvalidSpec");
    assertReason(s -> {
      s.tokenUrl = "https://idp.example/token";
      s.grant = refreshToken();
    }, "InvalidSpec"); // no clientId
    assertReason(s -> {
      s.tokenUrl = "http://idp.example/token";
      s.clientId = "c";
      s.grant = refreshToken();
    }, "TokenEndpointNotAllowed");
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.grant = new PlatformTokenSpec.Grant();
    }, "InvalidSpec"); // no grant
    assertReason(s -> {
      s.clientApplicationRef = new LocalObjectReference("a");
      s.clientSecretRef = new PlatformTokenSpec.ClientSecretRef("s", "k");
      s.grant = refreshToken();
    }, "InvalidSpec");
  }

  @ParameterizedTest(name = "{0} with clientSecretRef {1}/{2}/{3}/{4}: {5}")
  @CsvSource(nullValues = "-", delimiter = '|', textBlock = """
      -                 | -    | -      | -   | -   | public client
      ClientSecretPost  | keys | secret | -   | -   | keys: secret
      PrivateKeyJwt     | keys | -      | -   | -   | keys: private_key, key_id
      PrivateKeyJwt     | keys | -      | pem | kid | keys: pem, kid
      PrivateKeyJwt     | -    | -      | -   | -   | InvalidSpec: authMethod PrivateKeyJwt needs clientSecretRef
      PrivateKeyJwt     | keys | secret | -   | -   | InvalidSpec: clientSecretRef.key names a client secret
      ClientSecretBasic | keys | -      | -   | -   | InvalidSpec: clientSecretRef needs a name and a key
      ClientSecretBasic | keys | secret | pem | -   | InvalidSpec: privateKeyKey and keyIdKey go with authMethod PrivateKeyJwt
      """)
  void whatIsReadFromTheClientsSecret(AuthMethod method, String name, String key, String privateKeyKey, String keyIdKey,
      String expected) {
    PlatformToken token = token(s -> {
      s.tokenUrl = "https://idp.example/token";
      s.clientId = "c";
      s.authMethod = method;
      s.grant = refreshToken();
      if (name != null) {
        s.clientSecretRef = new PlatformTokenSpec.ClientSecretRef(name, key);
        s.clientSecretRef.privateKeyKey = privateKeyKey;
        s.clientSecretRef.keyIdKey = keyIdKey;
      }
    });
    if (expected.startsWith("InvalidSpec: ")) {
      assertThatThrownBy(() -> PlatformTokenModel.from(token, POLICY)).isInstanceOfSatisfying(ReconcileException.class, e -> {
        assertThat(e.reason()).isEqualTo("InvalidSpec");
        assertThat(e.getMessage()).contains(expected.substring("InvalidSpec: ".length()));
      });
      return;
    }
    PlatformTokenModel.ClientCredential credential = PlatformTokenModel.from(token, POLICY).clientCredential();
    if (credential == null) {
      assertThat(expected).isEqualTo("public client");
    } else {
      assertThat(credential.secretName() + ": " + String.join(", ", java.util.stream.Stream.of(credential.secretKey(),
          credential.privateKeyKey(), credential.keyIdKey()).filter(java.util.Objects::nonNull).toList())).isEqualTo(expected);
    }
  }

  @Test
  void withAnApplicationItsSecretDecidesHowTheClientAuthenticates() {
    PlatformTokenModel model = PlatformTokenModel.from(token(s -> {
      s.clientApplicationRef = new LocalObjectReference("platform");
      s.authMethod = AuthMethod.PrivateKeyJwt;
      s.grant = refreshToken();
    }), POLICY);
    assertThat(model.clientCredential()).isNull();
  }

  private static void assertReason(Consumer<PlatformTokenSpec> edit, String reason) {
    assertThatThrownBy(() -> PlatformTokenModel.from(token(edit), POLICY))
        .isInstanceOfSatisfying(ReconcileException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void aSecretTemplateNamingAnUnknownKeyIsInvalidSpec() {
    assertReason(s -> {
      s.tokenUrl = "https://idp.example/token";
      s.clientId = "c";
      s.grant = refreshToken();
      s.secret = new io.keymint.api.TokenSecret();
      s.secret.template = new io.keymint.api.SecretTemplate();
      s.secret.template.data = java.util.Map.of("env", "TOKEN={{access_token}}\nSECRET={{client_secret}}");
    }, io.keymint.api.Reasons.INVALID_SPEC);
  }
}
