package io.keymint.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import io.keymint.apptoken.AppToken;
import io.keymint.clientapp.ClientApplication;
import io.keymint.platformtoken.PlatformToken;

/** A Keymint resource the demo applied, read back from the API when needed. */
record Applied(String kind, String namespace, String name) {

  static Applied of(Sample sample) {
    return new Applied(sample.kind(), sample.namespace(), sample.name());
  }

  /** {@code Kind/name}. */
  String id() {
    return kind + "/" + name;
  }

  HasMetadata get(KubernetesClient api) {
    Class<? extends HasMetadata> type = switch (kind) {
      case "ClientApplication" -> ClientApplication.class;
      case "AppToken" -> AppToken.class;
      case "PlatformToken" -> PlatformToken.class;
      default -> throw new IllegalArgumentException("not a Keymint kind: " + kind);
    };
    return api.resources(type).inNamespace(namespace).withName(name).get();
  }

  KeymintStatus status(KubernetesClient api) {
    HasMetadata resource = get(api);
    if (resource instanceof ClientApplication app) {
      return app.getStatus();
    }
    if (resource instanceof AppToken token) {
      return token.getStatus();
    }
    return resource instanceof PlatformToken token ? token.getStatus() : null;
  }

  boolean ready(KubernetesClient api) {
    KeymintStatus status = status(api);
    return status != null && status.isReady();
  }

  /** {@code True/TokenIssued}, {@code False/InvalidGrant}, ... */
  String readiness(KubernetesClient api) {
    KeymintStatus status = status(api);
    Condition ready = status == null ? null : status.condition(Condition.READY);
    return ready == null ? "(no status yet)" : ready.status + "/" + ready.reason;
  }

  @Override
  public String toString() {
    return kind + " " + name;
  }
}
