package io.keymint.api;

/**
 * How the client authenticates at a token endpoint: with a client secret by HTTP Basic or in the
 * form (RFC 6749 section 2.3.1), or with a client assertion signed by its private key
 * ({@code private_key_jwt}, RFC 7523 section 2.2, OpenID Connect Core section 9).
 */
public enum AuthMethod { ClientSecretBasic, ClientSecretPost, PrivateKeyJwt }
