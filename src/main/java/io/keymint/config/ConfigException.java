package io.keymint.config;

/** A missing or malformed operator setting; its message is the one line the operator prints before it exits. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
