package io.keymint.demo;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.clientapp.ClientApplication;
import io.keymint.testing.KeymintFixture;
import io.keymint.testing.KubernetesIssuer;
import io.keymint.testing.SignedAssertions;
import io.keymint.testing.TestRealm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Run:ai applications and their tokens are Keymint's own ClientApplications and AppTokens: the
 * sample runs as it is, in Keymint's realm, which has the roles the sample grants. Its application
 * bound to a ServiceAccount needs the cluster as the realm's identity provider, which Keymint
 * creates; its Deployment's projected token gets the demo realm's issuer as audience, and the demo
 * plays kubelet and the container: it mints the projected token and presents it at the token URL.
 */
final class RunAi implements Platform {

  private final KubernetesIssuer cluster;
  private TestRealm realm;

  RunAi(KubernetesIssuer cluster) {
    this.cluster = cluster;
  }

  @Override
  public String sample() {
    return "runai";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) {
    realm = keycloak.keymintRealm();
    realm.createRealmRole("researcher");
    realm.createClientWithRoles("model-registry", "viewer", "editor");
    realm.grantAdminRoles("manage-identity-providers"); // Keymint creates the realm's provider for the cluster
    return LINE.formatted("Run:ai", "realm " + LocalKeycloak.KEYMINT_REALM
        + " with realm role researcher and client model-registry (viewer), Keymint may create its identity provider"
        + " for the cluster; the demo sets the projected token's audience");
  }

  /** A projected ServiceAccount token's audience: the demo realm's issuer (the Secret's "audience"). */
  @Override
  public void override(Sample document, KubernetesClient api) {
    if ("Deployment".equals(document.kind())) {
      document.doc().at("/spec/template/spec/volumes").forEach(volume -> volume.at("/projected/sources").forEach(source -> {
        if (source.has("serviceAccountToken")) {
          source.withObjectProperty("serviceAccountToken").put("audience", realm.issuerUrl());
        }
      }));
    }
  }

  /**
   * Each sample Deployment with a projected ServiceAccount token, run as kubelet and its container
   * would: a token of the Deployment's ServiceAccount with the volume's audience, presented as the
   * client assertion at the token URL the container reads from the application's Secret.
   */
  Optional<Step> keylessWorkload(KeymintFixture keymint, List<Sample> documents) {
    return documents.stream().filter(d -> sample().equals(d.platform()) && "Deployment".equals(d.kind()))
        .map(d -> keymint.client().apps().deployments().inNamespace(d.namespace()).withName(d.name()).get())
        .filter(Objects::nonNull).filter(d -> projection(d.getSpec().getTemplate().getSpec()) != null)
        .findFirst().map(deployment -> run(keymint, deployment));
  }

  private Step run(KeymintFixture keymint, Deployment deployment) {
    String namespace = deployment.getMetadata().getNamespace();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    ServiceAccountTokenProjection projected = projection(pod);
    String what = "Deployment " + deployment.getMetadata().getName();
    EnvVar tokenUrl = pod.getContainers().get(0).getEnv().stream().filter(e -> "TOKEN_URL".equals(e.getName()))
        .findFirst().orElse(null);
    if (tokenUrl == null || tokenUrl.getValueFrom() == null || tokenUrl.getValueFrom().getSecretKeyRef() == null) {
      return new Step(false, "Keyless", what + " reads no TOKEN_URL from a Secret");
    }
    String secret = tokenUrl.getValueFrom().getSecretKeyRef().getName();
    Map<String, String> data = keymint.secretData(namespace, secret);
    if (data == null) {
      return new Step(false, "Keyless", what + ": Secret " + secret + " is not there");
    }
    // kubelet: a token of the pod's ServiceAccount for the volume's audience; the container: client_credentials with it
    String token = cluster.token(namespace, pod.getServiceAccountName(), projected.getAudience(),
        Duration.ofSeconds(projected.getExpirationSeconds()));
    TestRealm.TokenResult answer = SignedAssertions.clientCredentials(data.get(tokenUrl.getValueFrom().getSecretKeyRef()
        .getKey()), token);
    ClientApplication application = keymint.client().resources(ClientApplication.class).inNamespace(namespace).list()
        .getItems().stream().filter(a -> a.getStatus() != null
            && pod.getServiceAccountName().equals(a.getStatus().serviceAccountName)).findFirst().orElse(null);
    boolean credentialFree = !data.containsKey("client_secret") && !data.containsKey("private_key");
    if (answer.status() != 200 || application == null || !credentialFree
        || !application.getStatus().clientId.equals(answer.claims().get("azp"))) {
      return new Step(false, "Keyless", what + ": Keycloak answered " + answer.status() + " to its projected token"
          + (credentialFree ? "" : "; Secret " + secret + " holds a credential"));
    }
    TreeSet<String> roles = new TreeSet<>(answer.realmRoles());
    answer.clientRoles().values().forEach(roles::addAll);
    return new Step(true, "Keyless", what + " (ServiceAccount " + pod.getServiceAccountName() + "): its projected token,"
        + " audience " + projected.getAudience() + ", got a token for " + answer.claims().get("azp") + " (" + String.join(", ",
            roles) + "); Secret " + secret + " holds no credential");
  }

  private static ServiceAccountTokenProjection projection(PodSpec pod) {
    return pod.getVolumes() == null ? null : pod.getVolumes().stream().map(Volume::getProjected).filter(Objects::nonNull)
        .flatMap(p -> p.getSources().stream()).map(VolumeProjection::getServiceAccountToken).filter(Objects::nonNull)
        .findFirst().orElse(null);
  }
}
