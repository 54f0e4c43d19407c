package io.keymint.demo;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One platform of {@code samples/}: what the demo prepares for it (in the local Keycloak, or a
 * stand-in on loopback, as the platform documents it), and what it changes in the sample's
 * documents before applying them: endpoints and credentials, nothing else.
 */
interface Platform extends AutoCloseable {

  /** Column width of the platform's name at the start of its line. */
  String LINE = "%-14s %s";

  /** The directory under {@code samples/} this platform's documents come from. */
  String sample();

  /** Prepares what the sample needs; returns the one line the demo prints about it. */
  String prepare(LocalKeycloak keycloak) throws Exception;

  /** Whether the stand-in can fill this document in yet (a credential may need what Keymint provisions first). */
  default boolean canApply(Sample document, KubernetesClient api) {
    return true;
  }

  /**
   * Points one of the sample's documents at the stand-in (endpoints and credentials); leaves the
   * others alone. Called just before the document is applied.
   */
  default void override(Sample document, KubernetesClient api) {}

  @Override
  default void close() {}
}
