package io.keymint.testing;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Failure answers shaped as kube-apiserver shapes them: a {@code Status} body with the code's reason. */
final class ApiStatus {

  /** {@code /api/v1/namespaces/ns/secrets/x} or {@code /apis/group/v1/namespaces/ns/plural/x/status}, query ignored. */
  private static final Pattern RESOURCE_PATH = Pattern.compile(
      "^/(?:api|apis/(?<group>[^/]+))/(?<version>[^/]+)(?:/namespaces/(?<namespace>[^/?]+))?/(?<plural>[^/?]+)"
          + "(?:/(?<name>[^/?]+))?(?:/(?<subresource>[^/?]+))?(?:\\?.*)?$");

  private ApiStatus() {}

  /** The parts of a resource path; group is "" for the core API. Null when the path names no resource. */
  record ResourcePath(String group, String version, String namespace, String plural, String name, String subresource) {

    static ResourcePath parse(String path) {
      Matcher m = RESOURCE_PATH.matcher(path);
      if (!m.matches()) {
        return null;
      }
      return new ResourcePath(m.group("group") == null ? "" : m.group("group"), m.group("version"),
          m.group("namespace"), m.group("plural"), m.group("name"), m.group("subresource"));
    }

    /** As kube-apiserver names the resource in messages: {@code secrets}, {@code apptokens.keymint.io}. */
    String qualifiedResource() {
      return group.isEmpty() ? plural : plural + "." + group;
    }
  }

  static String reasonFor(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 409 -> "Conflict";
      case 410 -> "Expired";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalError";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> "";
    };
  }

  static MockResponse response(int code, String reason, String message, ResourcePath resource) {
    StatusBuilder status = new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message);
    if (resource != null) {
      status.withNewDetails().withName(resource.name()).withGroup(resource.group().isEmpty() ? null : resource.group())
          .withKind(resource.plural()).endDetails();
    }
    Status body = status.build();
    MockResponse response = new MockResponse().setResponseCode(code)
        .setHeader("Content-Type", "application/json").setBody(Serialization.asJson(body));
    if (code == 429) {
      response.setHeader("Retry-After", "1"); // as API Priority and Fairness answers
    }
    return response;
  }

  static MockResponse response(int code, String message, ResourcePath resource) {
    return response(code, reasonFor(code), message, resource);
  }

  /** 409 for a write based on an old resourceVersion, worded as kube-apiserver words it. */
  static MockResponse conflict(ResourcePath resource) {
    return response(409, "Conflict", "Operation cannot be fulfilled on " + resource.qualifiedResource() + " \""
        + resource.name() + "\": the object has been modified; please apply your changes to the latest version and try again",
        resource);
  }
}
