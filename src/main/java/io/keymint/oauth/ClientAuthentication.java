package io.keymint.oauth;

import io.keymint.api.AuthMethod;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Who the client is and how it proves it at a token endpoint: not at all (a public client names
 * itself), with its secret by HTTP Basic or in the form (RFC 6749 section 2.3.1), or with a client
 * assertion signed by its private key ({@code private_key_jwt}, RFC 7523 section 2.2), or with a
 * token its workload's identity provider issued (a Kubernetes ServiceAccount token, RFC 7523 too).
 * No {@link #toString()} shows a secret, a key or an assertion.
 */
public sealed interface ClientAuthentication {

  String RFC7523_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  /** The client id; null only when the endpoint needs none (a public client that names no client). */
  String clientId();

  /** What this authentication adds to one request to {@code tokenEndpoint} at {@code now}. */
  Proof proof(URI tokenEndpoint, Instant now);

  /** A public client: {@code client_id} in the form, nothing else. */
  static ClientAuthentication none(String clientId) {
    return new PublicClient(clientId);
  }

  /**
   * A client secret, by HTTP Basic ({@code ClientSecretBasic}) or in the form ({@code ClientSecretPost});
   * without a secret, a public client.
   */
  static ClientAuthentication secret(String clientId, String secret, AuthMethod method) {
    if (secret == null) {
      return none(clientId);
    }
    return switch (method == null ? AuthMethod.ClientSecretBasic : method) {
      case ClientSecretBasic -> new ClientSecretBasic(clientId, secret);
      case ClientSecretPost -> new ClientSecretPost(clientId, secret);
      case PrivateKeyJwt -> throw new IllegalArgumentException("PrivateKeyJwt authenticates with a key, not a secret");
    };
  }

  /** A client assertion signed with the client's key. */
  static ClientAuthentication privateKeyJwt(String clientId, ClientKey key) {
    return new PrivateKeyJwt(clientId, key);
  }

  /**
   * A client assertion issued by someone else (a Kubernetes ServiceAccount token for Keycloak's
   * federated-jwt authenticator), a fresh one for every request.
   *
   * @param clientId  the client, for messages only: the identity provider finds it by the assertion's
   *                  {@code iss} and {@code sub}, so no {@code client_id} is sent that could disagree
   * @param assertion asked once per request; what it returns is sent and forgotten
   */
  static ClientAuthentication federatedJwt(String clientId, Supplier<String> assertion) {
    return new FederatedJwt(clientId, assertion);
  }

  /**
   * What a request carries to authenticate the client.
   *
   * @param authorization the {@code Authorization} header value, or null
   * @param form          form parameters to add to the request
   */
  record Proof(String authorization, Map<String, String> form) {
    @Override
    public String toString() {
      return "Proof[" + (authorization == null ? "" : "Authorization header, ") + "form " + form.keySet() + "]";
    }
  }

  record PublicClient(String clientId) implements ClientAuthentication {
    @Override
    public Proof proof(URI tokenEndpoint, Instant now) {
      return new Proof(null, clientId == null ? Map.of() : Map.of("client_id", clientId));
    }
  }

  record ClientSecretBasic(String clientId, String secret) implements ClientAuthentication {
    @Override
    public Proof proof(URI tokenEndpoint, Instant now) {
      // RFC 6749 section 2.3.1: both parts form-urlencoded before Base64
      String basic = TokenEndpoint.encode(clientId) + ":" + TokenEndpoint.encode(secret);
      return new Proof("Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)), Map.of());
    }

    @Override
    public String toString() {
      return "ClientSecretBasic[" + clientId + "]";
    }
  }

  record ClientSecretPost(String clientId, String secret) implements ClientAuthentication {
    @Override
    public Proof proof(URI tokenEndpoint, Instant now) {
      Map<String, String> form = new LinkedHashMap<>();
      form.put("client_id", clientId);
      form.put("client_secret", secret);
      return new Proof(null, form);
    }

    @Override
    public String toString() {
      return "ClientSecretPost[" + clientId + "]";
    }
  }

  /** RFC 7523 section 2.2 with an assertion from the workload's identity provider, no {@code client_id}. */
  record FederatedJwt(String clientId, Supplier<String> assertion) implements ClientAuthentication {
    @Override
    public Proof proof(URI tokenEndpoint, Instant now) {
      Map<String, String> form = new LinkedHashMap<>();
      form.put("client_assertion_type", RFC7523_ASSERTION_TYPE);
      form.put("client_assertion", assertion.get());
      return new Proof(null, form);
    }

    @Override
    public String toString() {
      return "FederatedJwt[" + clientId + "]";
    }
  }

  /** RFC 7523 section 2.2: {@code client_assertion_type}, {@code client_assertion} and {@code client_id}. */
  record PrivateKeyJwt(String clientId, ClientKey key) implements ClientAuthentication {
    @Override
    public Proof proof(URI tokenEndpoint, Instant now) {
      Map<String, String> form = new LinkedHashMap<>();
      form.put("client_id", clientId);
      form.put("client_assertion_type", RFC7523_ASSERTION_TYPE);
      form.put("client_assertion", key.assertion(clientId, tokenEndpoint, now, UUID.randomUUID().toString()));
      return new Proof(null, form);
    }

    @Override
    public String toString() {
      return "PrivateKeyJwt[" + clientId + ", " + key + "]";
    }
  }
}
