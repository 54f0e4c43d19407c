package io.keymint.demo;

/** What one step of the demo showed, and whether it happened as it should. */
record Step(boolean ok, String what, String detail) {

  /** The line the demo prints: what happened, or that it did not. */
  String line() {
    return Platform.LINE.formatted(ok ? what : "NOT " + what, detail);
  }
}
