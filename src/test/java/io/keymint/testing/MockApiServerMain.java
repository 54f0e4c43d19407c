package io.keymint.testing;

import java.io.IOException;

/**
 * The mock Kubernetes API in a process of its own, so that a benchmark measures the heap of
 * Keymint alone: prints the server's URL on the first line of standard output and runs until its
 * standard input closes.
 */
public final class MockApiServerMain {

  private MockApiServerMain() {}

  public static void main(String[] args) throws IOException {
    try (KubernetesMock mock = KubernetesMock.start()) {
      System.out.println(mock.client().getConfiguration().getMasterUrl());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the parent goes away
      }
    }
  }
}
