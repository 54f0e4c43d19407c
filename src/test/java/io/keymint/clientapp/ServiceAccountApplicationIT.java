package io.keymint.clientapp;

import static io.keymint.testing.KeymintFixture.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.keymint.api.Condition;
import io.keymint.apptoken.AppToken;
import io.keymint.kube.OutputSecrets;
import io.keymint.oauth.Jwt;
import io.keymint.testing.KeycloakExtension;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KubernetesIssuer;
import io.keymint.testing.SignedAssertions;
import io.keymint.testing.TestRealm;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;

/**
 * ClientApplications that authenticate as their Kubernetes ServiceAccount (clientAuthentication:
 * ServiceAccount) against a real Keycloak: the test plays the cluster's ServiceAccount issuer
 * ({@link KubernetesIssuer}: discovery, JWKS, tokens signed as kube-apiserver signs them, and the
 * mock API's TokenRequests), Keycloak's own {@code kubernetes} identity provider fetches its keys, and
 * every check is Keycloak's answer to a token request.
 */
@ExtendWith(KeycloakExtension.class)
class ServiceAccountApplicationIT {

  private static TestRealm realm;
  private static KubernetesIssuer cluster;
  private static KeymintFixture keymint;
  private String namespace;

  @BeforeAll
  static void start(TestRealm testRealm) {
    realm = testRealm;
    realm.createRealmRole("researcher");
    realm.grantAdminRoles("manage-identity-providers"); // Keymint creates the realm's provider for the cluster
    cluster = KubernetesIssuer.start();
    // no KEYMINT_KUBERNETES_ISSUER: Keymint asks the API server's discovery, which names the stand-in
    keymint = KeymintFixture.start(realm, Map.of("KEYMINT_GRANTABLE_ROLES", "researcher"));
    keymint.kube().serveServiceAccountTokens(cluster);
  }

  @AfterAll
  static void stop() {
    KeymintFixture.stopAndCheckLogs(keymint);
    cluster.close();
  }

  @BeforeEach
  void namespace() {
    namespace = keymint.newNamespace("sa");
  }

  @Test
  void aTokenOfTheBoundServiceAccountGetsTheDeclaredRolesAndKeycloakRefusesEveryOtherToken() {
    keymint.createApplication(namespace, "scorer", bound("scorer"));
    ClientApplicationStatus status = keymint.awaitProvisioned(namespace, "scorer").getStatus();
    String clientId = namespace + ".scorer";
    assertThat(status.serviceAccountName).isEqualTo("scorer");
    assertThat(status.clientId).isEqualTo(clientId);
    assertThat(status.condition(Condition.READY).message).contains("ServiceAccount 'scorer'", "no credential");
    assertThat(status.secretRotatedAt).as("nothing to rotate").isNull();

    Map<String, String> data = keymint.secretData(namespace, "scorer-client");
    assertThat(data).containsOnly(Map.entry("client_id", clientId), Map.entry("token_endpoint_auth_method", "federated_jwt"),
        Map.entry("audience", realm.issuerUrl()), Map.entry("issuer_url", realm.issuerUrl()),
        Map.entry("token_url", realm.tokenUrl()), Map.entry("realm", realm.name()));

    ClientRepresentation client = realm.findClient(clientId);
    assertThat(client.getClientAuthenticatorType()).isEqualTo("federated-jwt");
    assertThat(client.getAttributes()).containsEntry("jwt.credential.issuer", "kubernetes")
        .containsEntry("jwt.credential.sub", "system:serviceaccount:" + namespace + ":scorer");
    IdentityProviderRepresentation provider = realm.identityProvider("kubernetes");
    assertThat(provider.getProviderId()).isEqualTo("kubernetes");
    assertThat(provider.getConfig()).containsEntry("issuer", cluster.issuer()).containsEntry("keymint.io/owner", "keymint");

    // the workload's projected token, audience the realm's issuer: what the Secret's audience says
    TestRealm.TokenResult token = present(cluster.token(namespace, "scorer", data.get("audience"), Duration.ofMinutes(10)));
    assertThat(token.status()).as("%s", token).isEqualTo(200);
    assertThat(token.claims().get("azp")).isEqualTo(clientId);
    assertThat(token.realmRoles()).containsExactly("researcher");

    String audience = realm.issuerUrl();
    Map<String, String> refused = new HashMap<>();
    refused.put("another ServiceAccount of the namespace", cluster.token(namespace, "other", audience, Duration.ofMinutes(10)));
    refused.put("the same name in another namespace", cluster.token(namespace + "-x", "scorer", audience, Duration.ofMinutes(10)));
    refused.put("another audience (the API server's)", cluster.token(namespace, "scorer",
        "https://kubernetes.default.svc.cluster.local", Duration.ofMinutes(10)));
    refused.put("another audience (the token endpoint)", cluster.token(namespace, "scorer", realm.tokenUrl(),
        Duration.ofMinutes(10)));
    refused.put("expired", cluster.expiredToken(namespace, "scorer", audience));
    refused.put("signed by a key the issuer does not publish", cluster.tokenSignedByAnotherKey(namespace, "scorer", audience));
    refused.forEach((what, assertion) -> {
      TestRealm.TokenResult answer = present(assertion);
      assertThat(answer.status()).as("%s: %s", what, answer).isIn(400, 401);
      assertThat(answer.body().get("error")).as(what).isEqualTo("invalid_client");
    });
    assertNoCredentialIn(namespace, clientId);
  }

  @Test
  void anAppTokenIsReadyAndRefreshedWithTokenRequestsForItsOwnServiceAccountOnly() {
    keymint.createServiceAccount(namespace, "batch");
    keymint.createApplication(namespace, "batch", bound("batch").andThen(spec -> spec.accessTokenLifespan = "20s"));
    keymint.awaitProvisioned(namespace, "batch");
    int before = cluster.tokenRequests().size();
    keymint.createAppToken(namespace, "batch", "batch");
    keymint.awaitReady(AppToken.class, namespace, "batch", "True", "TokenIssued");
    String first = keymint.secretData(namespace, "batch-token").get("access_token");
    Map<String, Object> claims = Jwt.claims(first);
    assertThat(claims.get("azp")).isEqualTo(namespace + ".batch");
    assertThat(ClientApplicationIT.realmRoles(claims)).containsExactly("researcher");

    // refreshed on schedule (a 20 s token), each time with a new ServiceAccount token
    await().atMost(TIMEOUT).until(() -> !first.equals(keymint.secretData(namespace, "batch-token").get("access_token")));
    keymint.awaitReady(AppToken.class, namespace, "batch", "True", "TokenIssued");
    List<KubernetesIssuer.TokenRequestMade> made = cluster.tokenRequests().subList(before, cluster.tokenRequests().size());
    assertThat(made).as("a TokenRequest for every token").hasSizeGreaterThanOrEqualTo(2);
    assertThat(made).allSatisfy(r -> {
      assertThat(r.namespace()).isEqualTo(namespace);
      assertThat(r.serviceAccount()).isEqualTo("batch");
      assertThat(r.audiences()).containsExactly(realm.issuerUrl());
      assertThat(r.expirationSeconds()).isEqualTo(600L);
    });
    assertNoCredentialIn(namespace, namespace + ".batch");
    keymint.deleteTokens(namespace);
  }

  @Test
  void anAppTokenWhoseServiceAccountDoesNotExistSaysSo() {
    keymint.createApplication(namespace, "ghost", bound("ghost"));
    keymint.awaitProvisioned(namespace, "ghost");
    keymint.createAppToken(namespace, "ghost", "ghost");
    AppToken token = keymint.awaitReady(AppToken.class, namespace, "ghost", "False", "ServiceAccountNotFound");
    assertThat(token.getStatus().condition(Condition.READY).message).contains("'ghost'", "namespace '" + namespace + "'");
    keymint.deleteTokens(namespace);
  }

  @Test
  void aServiceAccountOfAnotherNamespaceOrDefaultIsRefusedAndNothingIsCreated() {
    Map<String, String> attempts = Map.of(
        "other-ns", "team-b:scorer",
        "spelled-out", "system:serviceaccount:team-b:scorer",
        "every-pod", "default");
    attempts.forEach((name, serviceAccount) -> keymint.createApplication(namespace, name, bound(serviceAccount)));
    attempts.forEach((name, serviceAccount) -> {
      ClientApplication app = keymint.awaitReady(ClientApplication.class, namespace, name, "False", "ServiceAccountNotAllowed");
      Condition ready = app.getStatus().condition(Condition.READY);
      assertThat(ready.message).as(name).contains("namespace '" + namespace + "'");
      assertThat(app.getStatus().condition(Condition.STALLED).status).isEqualTo("True");
      assertThat(app.getStatus().clientId).isNull();
      assertThat(app.getStatus().serviceAccountName).isNull();
      assertThat(realm.findClient(namespace + "." + name)).as("no client for %s", name).isNull();
      assertThat(keymint.secret(namespace, name + "-client")).isNull();
    });
    assertThat(keymint.get(ClientApplication.class, namespace, "every-pod").getStatus().condition(Condition.READY).message)
        .contains("KEYMINT_ALLOW_DEFAULT_SERVICE_ACCOUNT");
  }

  @Test
  void aSecondApplicationCannotBindTheSameServiceAccount() {
    keymint.createApplication(namespace, "first", bound("shared"));
    keymint.awaitProvisioned(namespace, "first");
    keymint.createApplication(namespace, "second", bound("shared"));
    ClientApplication second = keymint.awaitReady(ClientApplication.class, namespace, "second", "False", "ServiceAccountInUse");
    assertThat(second.getStatus().condition(Condition.READY).message).contains(namespace + ".first");
    assertThat(realm.findClient(namespace + ".second")).isNull();
    TestRealm.TokenResult token = present(cluster.token(namespace, "shared", realm.issuerUrl(), Duration.ofMinutes(10)));
    assertThat(token.status()).isEqualTo(200);
    assertThat(token.claims().get("azp")).isEqualTo(namespace + ".first");
  }

  @Test
  void switchingToAServiceAccountAndBackConverges() {
    keymint.createApplication(namespace, "switcher", spec -> spec.serviceAccount = researcher());
    keymint.awaitProvisioned(namespace, "switcher");
    Map<String, String> withSecret = keymint.secretData(namespace, "switcher-client");
    String clientId = withSecret.get("client_id");
    assertThat(realm.clientCredentials(clientId, withSecret.get("client_secret")).status()).isEqualTo(200);

    keymint.edit(ClientApplication.class, namespace, "switcher", a -> bound("switcher").accept(a.getSpec()));
    keymint.awaitProvisioned(namespace, "switcher");
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("audience"));
    assertThat(keymint.secretData(namespace, "switcher-client")).doesNotContainKeys("client_secret", "private_key")
        .containsEntry("token_endpoint_auth_method", "federated_jwt");
    assertThat(realm.clientCredentials(clientId, withSecret.get("client_secret")).status())
        .as("the old client secret").isIn(400, 401);
    String workload = cluster.token(namespace, "switcher", realm.issuerUrl(), Duration.ofMinutes(10));
    assertThat(present(workload).status()).isEqualTo(200);

    // to a key pair: the binding goes, the key set comes
    keymint.edit(ClientApplication.class, namespace, "switcher", a -> {
      a.getSpec().clientAuthentication = ClientApplicationSpec.ClientAuthentication.PrivateKeyJwt;
      a.getSpec().serviceAccountName = null;
    });
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("private_key"));
    keymint.awaitProvisioned(namespace, "switcher");
    assertThat(SignedAssertions.clientCredentials(keymint.secretData(namespace, "switcher-client")).status()).isEqualTo(200);
    assertThat(present(workload).status()).as("the workload's token, once the binding went").isIn(400, 401);
    assertThat(realm.findClient(clientId).getAttributes()).doesNotContainKeys("jwt.credential.issuer", "jwt.credential.sub");

    // back to the ServiceAccount, then to a client secret: a fresh one, never the one Keycloak kept
    keymint.edit(ClientApplication.class, namespace, "switcher", a -> bound("switcher").accept(a.getSpec()));
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("audience"));
    keymint.awaitProvisioned(namespace, "switcher");
    assertThat(realm.findClient(clientId).getAttributes().get("jwks.string")).as("the key set went").isNullOrEmpty();
    assertThat(present(workload).status()).isEqualTo(200);
    keymint.edit(ClientApplication.class, namespace, "switcher", a -> {
      a.getSpec().clientAuthentication = null;
      a.getSpec().serviceAccountName = null;
    });
    await().atMost(TIMEOUT).until(() -> keymint.secretData(namespace, "switcher-client").containsKey("client_secret"));
    keymint.awaitProvisioned(namespace, "switcher");
    Map<String, String> again = keymint.secretData(namespace, "switcher-client");
    assertThat(again.get("client_secret")).isNotEqualTo(withSecret.get("client_secret"));
    assertThat(realm.clientCredentials(clientId, again.get("client_secret")).status()).isEqualTo(200);
    assertThat(present(workload).status()).isIn(400, 401);
    assertThat(realm.findClient(clientId).getClientAuthenticatorType()).isEqualTo("client-secret");
    assertThat(realm.findClient(clientId).getAttributes()).doesNotContainKeys("jwt.credential.issuer", "jwt.credential.sub");
  }

  /** The spec of an application bound to this ServiceAccount, with the realm role researcher. */
  private static Consumer<ClientApplicationSpec> bound(String serviceAccount) {
    return spec -> {
      spec.clientAuthentication = ClientApplicationSpec.ClientAuthentication.ServiceAccount;
      spec.serviceAccountName = serviceAccount;
      spec.serviceAccount = researcher();
    };
  }

  private static ClientApplicationSpec.ServiceAccount researcher() {
    ClientApplicationSpec.ServiceAccount account = new ClientApplicationSpec.ServiceAccount();
    account.realmRoles = List.of("researcher");
    return account;
  }

  /** client_credentials with a ServiceAccount token as the client assertion, as the workload sends it. */
  private static TestRealm.TokenResult present(String serviceAccountToken) {
    return SignedAssertions.clientCredentials(realm.tokenUrl(), serviceAccountToken);
  }

  /**
   * No Secret of the namespace holds a client secret or a private key, nor the client secret Keycloak
   * keeps on these clients (which the federated-jwt authenticator refuses anyway).
   */
  private static void assertNoCredentialIn(String namespace, String... clientIds) {
    List<String> kept = java.util.Arrays.stream(clientIds).map(id -> realm.admin().clients()
        .get(realm.findClient(id).getId()).getSecret().getValue()).toList();
    KeymintFixture.SECRETS_SEEN.addAll(kept);
    for (Secret secret : keymint.client().secrets().inNamespace(namespace).list().getItems()) {
      Map<String, String> data = OutputSecrets.decode(secret);
      assertThat(data).as("Secret %s", secret.getMetadata().getName()).doesNotContainKeys("client_secret", "private_key");
      assertThat(data.values()).as("Secret %s", secret.getMetadata().getName()).doesNotContainAnyElementsOf(kept)
          .noneMatch(v -> v.contains("PRIVATE KEY"));
    }
  }
}
