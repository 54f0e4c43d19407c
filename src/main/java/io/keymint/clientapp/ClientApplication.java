package io.keymint.clientapp;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An OIDC client provisioned in Keycloak, its credentials kept in a Secret.
 *
 * <p>spec.realm and spec.clientId are fixed once the resource exists. The rules sit on the root, not
 * on spec: a rule on spec is skipped when the old object had no spec, which let a resource created
 * without one be renamed onto another client.
 */
@ValidationRule(value = "has(oldSelf.spec) && has(oldSelf.spec.realm)"
    + " ? has(self.spec) && has(self.spec.realm) && self.spec.realm == oldSelf.spec.realm"
    + " : !(has(self.spec) && has(self.spec.realm))",
    message = "spec.realm is immutable")
@ValidationRule(value = "has(oldSelf.spec) && has(oldSelf.spec.clientId)"
    + " ? has(self.spec) && has(self.spec.clientId) && self.spec.clientId == oldSelf.spec.clientId"
    + " : !(has(self.spec) && has(self.spec.clientId))",
    message = "spec.clientId is immutable")
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
