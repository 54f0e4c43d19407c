package io.keymint.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.CompatibilityFlags;
import io.fabric8.zjsonpatch.JsonPatch;
import io.keymint.testing.ApiStatus.ResourcePath;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Map;

/**
 * Fabric8's CRUD dispatcher with kube-apiserver's rules where the CRUD store is lenient. Every
 * write is checked against the stored object and, when it passes, handed to Fabric8's handlers
 * unchanged (a merge patch is handed over already merged, since Fabric8 merges lists by
 * appending):
 *
 * <ul>
 *   <li>create of an existing name: 409 AlreadyExists;
 *   <li>PUT (also on {@code /status}) with a {@code metadata.resourceVersion} other than the
 *       stored one: 409 Conflict; PUT of a custom resource without one: 422, as for CRDs;
 *   <li>merge patch whose body carries another {@code metadata.resourceVersion}: 409; without
 *       one it is applied, by RFC 7386 (lists replaced, {@code null} removes the key);
 *   <li>JSON Patch applied by RFC 6902 to the stored object: an operation that does not apply
 *       ({@code replace}/{@code remove} of a missing path, a failing {@code test}, an index out of
 *       range) answers 422; a patch that sets another resourceVersion answers 409;
 *   <li>DELETE with preconditions (resourceVersion, uid) that do not hold: 409;
 *   <li>watch events arrive after {@link WatchLag}'s lag.
 * </ul>
 *
 * <p>The check and the write happen under one lock, so no other write can come in between.
 */
final class StrictCrudDispatcher extends KubernetesCrudDispatcher {

  private static final EnumSet<CompatibilityFlags> RFC_6902 = EnumSet.of(CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT);
  private static final String JSON_PATCH = "application/json-patch+json";

  private final Object writes = new Object();
  private final WatchLag watchLag;

  StrictCrudDispatcher(WatchLag watchLag) {
    this.watchLag = watchLag;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH
        && method != HttpMethod.DELETE) {
      return super.dispatch(request);
    }
    // read the body without consuming it: takeRequests() callers may read it too
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    String path = request.getPath();
    synchronized (writes) {
      Verdict verdict = switch (method) {
        case POST -> checkCreate(path, body);
        case PUT -> checkUpdate(path, body);
        case PATCH -> checkPatch(path, request.getHeader("Content-Type"), body);
        default -> checkDelete(path, body);
      };
      if (verdict.refusal != null) {
        return verdict.refusal;
      }
      var headers = request.getHeaders();
      if (verdict.contentType != null) {
        headers = headers.newBuilder().set("Content-Type", verdict.contentType).build();
      }
      byte[] forward = verdict.body != null ? verdict.body.getBytes(StandardCharsets.UTF_8) : body;
      return super.dispatch(new RecordedRequest(request.getHttpVersion(), method, path, headers, new Buffer(forward)));
    }
  }

  @Override
  public MockResponse handleWatch(String path) {
    MockResponse watch = super.handleWatch(path);
    return new MockResponse().withWebSocketUpgrade(watchLag.wrap(watch.getWebSocketListener()));
  }

  /** Refuse with this answer, or pass on (optionally with another body and content type). */
  private record Verdict(MockResponse refusal, String body, String contentType) {
    static final Verdict PASS = new Verdict(null, null, null);

    static Verdict refuse(MockResponse response) {
      return new Verdict(response, null, null);
    }
  }

  private Verdict checkCreate(String path, byte[] body) {
    ResourcePath resource = ResourcePath.parse(path);
    JsonNode object = parse(body);
    String name = object == null ? "" : object.path("metadata").path("name").asText("");
    if (resource == null || resource.name() != null || name.isEmpty()) {
      return Verdict.PASS; // Fabric8 validates the rest
    }
    AttributeSet key = getKey(path).add(new Attribute(KubernetesAttributesExtractor.NAME, name));
    if (findResource(key) != null) {
      ResourcePath named = new ResourcePath(resource.group(), resource.version(), resource.namespace(), resource.plural(),
          name, null);
      return Verdict.refuse(ApiStatus.response(409, "AlreadyExists",
          named.qualifiedResource() + " \"" + name + "\" already exists", named));
    }
    return Verdict.PASS;
  }

  private Verdict checkUpdate(String path, byte[] body) {
    ResourcePath resource = ResourcePath.parse(path);
    JsonNode update = parse(body);
    JsonNode stored = stored(path);
    if (resource == null || resource.name() == null || update == null || stored == null) {
      return Verdict.PASS; // 404 and malformed bodies are Fabric8's
    }
    String version = update.path("metadata").path("resourceVersion").asText("");
    if (version.isEmpty()) {
      if (isCustomResource(resource)) { // CRDs allow no unconditional update (core kinds mostly do)
        return Verdict.refuse(ApiStatus.response(422, kindOf(stored) + "." + resource.group() + " \"" + resource.name()
            + "\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", resource));
      }
      return Verdict.PASS;
    }
    return version.equals(resourceVersion(stored)) ? Verdict.PASS : Verdict.refuse(ApiStatus.conflict(resource));
  }

  private Verdict checkPatch(String path, String contentType, byte[] body) {
    ResourcePath resource = ResourcePath.parse(path);
    JsonNode stored = stored(path);
    if (resource == null || resource.name() == null || stored == null) {
      return Verdict.PASS;
    }
    String type = contentType == null ? JSON_PATCH : contentType.split(";")[0].trim().toLowerCase();
    JsonNode patch = parse(body);
    if (patch == null) {
      return Verdict.refuse(ApiStatus.response(400, "the body of the request was in an unknown format", resource));
    }
    switch (type) {
      case JSON_PATCH -> {
        if (!patch.isArray()) {
          return Verdict.refuse(ApiStatus.response(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
              resource));
        }
        JsonNode patched;
        try {
          patched = JsonPatch.apply(patch, stored, RFC_6902);
        } catch (RuntimeException e) { // JsonPatchException and malformed operations
          return Verdict.refuse(ApiStatus.response(422,
              "the server rejected our request due to an error in our request (" + e.getMessage() + ")", resource));
        }
        String version = resourceVersion(patched);
        return version.isEmpty() || version.equals(resourceVersion(stored)) ? Verdict.PASS
            : Verdict.refuse(ApiStatus.conflict(resource));
      }
      case "application/merge-patch+json" -> {
        if (!patch.isObject()) {
          return Verdict.refuse(ApiStatus.response(422, "the server rejected our request due to an error in our request",
              resource));
        }
        String version = patch.path("metadata").path("resourceVersion").asText("");
        if (!version.isEmpty() && !version.equals(resourceVersion(stored))) {
          return Verdict.refuse(ApiStatus.conflict(resource));
        }
        // Fabric8 merges with Jackson's readerForUpdating, which appends to lists and keeps nulls:
        // hand it the RFC 7386 result as one JSON Patch replacing the document instead
        JsonNode merged = mergePatch(stored, patch);
        ObjectNode replace = JsonNodeFactory.instance.objectNode().put("op", "replace").put("path", "");
        replace.set("value", merged);
        return new Verdict(null, Serialization.asJson(JsonNodeFactory.instance.arrayNode().add(replace)), JSON_PATCH);
      }
      default -> {
        return Verdict.PASS; // strategic merge and apply patches: Fabric8 answers 415
      }
    }
  }

  private Verdict checkDelete(String path, byte[] body) {
    ResourcePath resource = ResourcePath.parse(path);
    JsonNode options = parse(body);
    if (resource == null || resource.name() == null || options == null) {
      return Verdict.PASS;
    }
    JsonNode stored = stored(path);
    JsonNode preconditions = options.path("preconditions");
    if (stored == null || !preconditions.isObject()) {
      return Verdict.PASS;
    }
    String version = preconditions.path("resourceVersion").asText("");
    if (!version.isEmpty() && !version.equals(resourceVersion(stored))) {
      return Verdict.refuse(ApiStatus.response(409, "Conflict", "Operation cannot be fulfilled on "
          + resource.qualifiedResource() + " \"" + resource.name() + "\": the ResourceVersion in the precondition ("
          + version + ") does not match the ResourceVersion in record (" + resourceVersion(stored)
          + "). The object might have been modified", resource));
    }
    String uid = preconditions.path("uid").asText("");
    String storedUid = stored.path("metadata").path("uid").asText("");
    if (!uid.isEmpty() && !uid.equals(storedUid)) {
      return Verdict.refuse(ApiStatus.response(409, "Conflict", "Operation cannot be fulfilled on "
          + resource.qualifiedResource() + " \"" + resource.name() + "\": Precondition failed: UID in precondition: "
          + uid + ", UID in object meta: " + storedUid, resource));
    }
    return Verdict.PASS;
  }

  /** RFC 7386: objects merge key by key, {@code null} removes a key, anything else (lists too) replaces. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
        : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> fields = patch.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  /** The stored object the path names (its {@code /status} too), or null. */
  private JsonNode stored(String path) {
    Map.Entry<AttributeSet, String> entry = findResource(getKey(path));
    return entry == null ? null : parse(entry.getValue().getBytes(StandardCharsets.UTF_8));
  }

  private boolean isCustomResource(ResourcePath resource) {
    return !resource.group().isEmpty() && findResource(getKey("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
        + resource.plural() + "." + resource.group())) != null;
  }

  private static String kindOf(JsonNode object) {
    return object.path("kind").asText("");
  }

  private static String resourceVersion(JsonNode object) {
    return object.path("metadata").path("resourceVersion").asText("");
  }

  private static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return Serialization.jsonMapper().readTree(body);
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
