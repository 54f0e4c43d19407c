package io.keymint.clientapp;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** An OIDC client provisioned in Keycloak, its credentials kept in a Secret. */
@Group("keymint.io")
@Version("v1alpha1")
@ShortNames({"kca", "clientapp"})
@Categories("keymint")
@AdditionalPrinterColumn(name = "ClientID", jsonPath = ".status.clientId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Realm", jsonPath = ".status.realm", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ClientApplication extends CustomResource<ClientApplicationSpec, ClientApplicationStatus>
    implements Namespaced {

  public static final String KIND = "ClientApplication";
}
