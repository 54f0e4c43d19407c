package io.keymint.api;

/** How the client authenticates at a token endpoint (RFC 6749 section 2.3.1). */
public enum AuthMethod { ClientSecretBasic, ClientSecretPost }
