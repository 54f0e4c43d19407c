package io.keymint.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keymint.api.Condition;
import io.keymint.api.KeymintStatus;
import io.keymint.apptoken.AppToken;
import io.keymint.apptoken.AppTokenStatus;
import io.keymint.kube.Conditions;
import io.keymint.kube.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The GitOps verdicts on Keymint's statuses: Argo CD's (deploy/argocd/health.lua, run by a Java Lua
 * interpreter as Argo CD runs it) and kstatus's (Flux), for statuses made by Keymint's own
 * {@link Conditions}.
 */
class HealthChecksTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void argoCdAndKstatusAgreeWithKeymintsConditions() throws Exception {
    String lua = Files.readString(Path.of("deploy/argocd/health.lua"));
    expect(lua, resource(Outcome.ready("TokenIssued", "token in Secret 's'"), 2, 2), "Healthy", "Current");
    expect(lua, resource(Outcome.stalled("InvalidGrant", "renew Secret 'h2o-platform-token'"), 2, 2), "Degraded", "Failed");
    expect(lua, resource(Outcome.progressing("ClientApplicationNotReady", "waiting"), 1, 1), "Progressing", "InProgress");
    expect(lua, resource(Outcome.readyRetrying("IdentityProviderUnavailable", "down"), 1, 1), "Healthy", "InProgress");
    expect(lua, resource(Outcome.ready("TokenIssued", "old"), 3, 2), "Progressing", "InProgress"); // spec not observed yet
    AppToken fresh = new AppToken();
    fresh.getMetadata().setGeneration(1L);
    expect(lua, fresh, "Progressing", "InProgress");
  }

  @Test
  void theConfigMapPatchEmbedsTheSameScriptForEveryKind() throws Exception {
    String lua = Files.readString(Path.of("deploy/argocd/health.lua")).strip();
    JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(Path.of("deploy/argocd/argocd-cm-patch.yaml").toFile());
    for (String kind : new String[] {"ClientApplication", "AppToken", "PlatformToken"}) {
      assertThat(patch.at("/data/resource.customizations.health.keymint.io_" + kind).asText().strip())
          .as(kind).isEqualTo(lua);
    }
  }

  private static AppToken resource(Outcome outcome, long generation, long observed) {
    AppToken token = new AppToken();
    token.getMetadata().setGeneration(generation);
    AppTokenStatus status = new AppTokenStatus();
    status.conditions = Conditions.apply(null, outcome, observed, NOW);
    status.observedGeneration = observed;
    token.setStatus(status);
    return token;
  }

  private static void expect(String lua, AppToken resource, String argo, String kstatus) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(JSON.valueToTree(resource)));
    LuaValue result = globals.load(lua, "health.lua").call();
    assertThat(result.get("status").tojstring()).as("Argo CD health").isEqualTo(argo);
    assertThat(result.get("message").isnil()).as("Argo CD message").isFalse();
    assertThat(kstatus(resource)).as("kstatus").isEqualTo(kstatus);
  }

  /**
   * kstatus's verdict for a custom resource with standard conditions (sigs.k8s.io/cli-utils
   * kstatus, as Flux applies it): an unobserved generation or Reconciling=True is InProgress,
   * Stalled=True is Failed, Ready=False is InProgress, otherwise Current.
   */
  static String kstatus(AppToken resource) {
    KeymintStatus status = resource.getStatus();
    if (status == null || status.observedGeneration == null
        || !status.observedGeneration.equals(resource.getMetadata().getGeneration())) {
      return "InProgress";
    }
    if (isTrue(status, Condition.RECONCILING)) {
      return "InProgress";
    }
    if (isTrue(status, Condition.STALLED)) {
      return "Failed";
    }
    Condition ready = status.condition(Condition.READY);
    return ready != null && !"True".equals(ready.status) ? "InProgress" : "Current";
  }

  private static boolean isTrue(KeymintStatus status, String type) {
    Condition condition = status.condition(type);
    return condition != null && "True".equals(condition.status);
  }

  /** JSON as Argo CD hands it to Lua: objects and arrays as tables (arrays 1-based). */
  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (!field.getValue().isNull()) {
          table.set(field.getKey(), toLua(field.getValue()));
        }
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    return LuaValue.valueOf(node.asText());
  }
}
