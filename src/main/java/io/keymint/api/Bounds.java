package io.keymint.api;

/**
 * The bounds of the CRDs' strings, lists and maps (API.md, "One tenant cannot take Keymint down for
 * the others"): constants for the schema annotations, and for the checks in Java where the same
 * bound matters to Keymint's memory.
 */
public final class Bounds {

  /** A Kubernetes object name (DNS-1123 subdomain): every reference, every output Secret name. */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  public static final int NAME_LENGTH = 253;
  /** A key of a Secret, as the API server accepts it. */
  public static final String SECRET_KEY_PATTERN = "^[-._a-zA-Z0-9]+$";
  public static final int SECRET_KEY_LENGTH = 253;
  /** Identifiers in the identity provider (realms, client ids, roles, scopes, grant types): Keycloak's columns hold 255. */
  public static final int IDENTIFIER_LENGTH = 255;
  public static final int URL_LENGTH = 2048;
  public static final int DURATION_LENGTH = 32;
  /** Roles, scopes, redirect URIs and web origins in one list. */
  public static final int LIST_ITEMS = 64;
  /** Workloads one token resource restarts (rolloutRestart). */
  public static final int ROLLOUT_TARGETS = 16;
  /** A label key: an optional DNS subdomain prefix, '/', and a name of at most 63. */
  public static final int LABEL_KEY_LENGTH = 317;
  public static final int LABEL_VALUE_LENGTH = 63;
  public static final int METADATA_ENTRIES = 32;
  public static final int ANNOTATION_VALUE_LENGTH = 4096;
  /** secret.template.data: how many templates, and how long each one's text. */
  public static final int TEMPLATES = 16;
  public static final int TEMPLATE_LENGTH = 8192;
  /** What one template may render, in bytes; refused before rendering when its values would make it longer. */
  public static final int RENDERED_BYTES = 64 * 1024;
  /**
   * The data of one output Secret (keys and values, in bytes), templates rendered: half of what
   * Kubernetes allows a Secret, so that base64 and metadata keep its request well inside etcd's limit.
   */
  public static final int SECRET_DATA_BYTES = 512 * 1024;

  private Bounds() {}
}
