package io.keymint.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.keymint.testing.IamStandIn;
import io.keymint.testing.KeymintFixture;
import java.util.UUID;

/**
 * IBM watsonx: an IBM Cloud API key exchanged at IAM (the API-key grant), here at an IAM stand-in on
 * loopback that implements IBM's documented token contract.
 */
final class IbmWatsonx implements Platform {

  private final String apiKey = UUID.randomUUID().toString();
  private IamStandIn iam;

  @Override
  public String sample() {
    return "ibm-watsonx";
  }

  @Override
  public String prepare(LocalKeycloak keycloak) throws Exception {
    KeymintFixture.SECRETS_SEEN.add(apiKey);
    iam = IamStandIn.start(apiKey, LocalKeycloak.TOKEN_LIFESPAN_SECONDS);
    return LINE.formatted("IBM watsonx", "IAM stand-in with IBM's API-key token contract at " + iam.tokenUrl()
        + "; the demo sets tokenUrl, and an API key in ibm-key");
  }

  @Override
  public void override(Sample document, KubernetesClient api) {
    switch (document.id()) {
      case "Secret/ibm-key" -> document.stringData().put("apikey", apiKey);
      case "PlatformToken/watsonx" -> document.spec().put("tokenUrl", iam.tokenUrl());
      default -> { }
    }
  }

  @Override
  public void close() {
    if (iam != null) {
      iam.close();
    }
  }
}
