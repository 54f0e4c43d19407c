package io.keymint.api;

/** Label, annotation and attribute names of the API contract. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "keymint";
  public static final String KIND = "keymint.io/kind";
  public static final String NAME = "keymint.io/name";

  /** New value: regenerate the client secret once. */
  public static final String ROTATE_SECRET = "keymint.io/rotate-secret";
  /** New value: refresh the token now. */
  public static final String REFRESH = "keymint.io/refresh";
  /** On an output Secret: the keymint.io/rotate-secret value its credential answered (read where a stale status cannot hide it). */
  public static final String ROTATION_ANSWERED = "keymint.io/rotation-answered";
  /** On an output Secret: hash of the data Keymint wrote, so an edit is noticed without asking Keycloak. */
  public static final String DATA_HASH = "keymint.io/data-hash";

  private Labels() {}
}
