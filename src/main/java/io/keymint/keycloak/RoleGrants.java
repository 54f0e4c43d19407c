package io.keymint.keycloak;

import io.keymint.api.Reasons;
import io.keymint.kube.ReconcileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.RoleMappingResource;
import org.keycloak.admin.client.resource.RoleScopeResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientMappingsRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.MappingsRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

/**
 * The one gate every role Keymint maps passes through, from every path (a ClientApplication's
 * service account, an audience AppToken's grants), before anything is written:
 * <ul>
 *   <li>the role itself and every role it contains, at any depth, is not administrative
 *       ({@link RolePolicy#isAdministrativeClient}, {@link RolePolicy#isAdministrativeRealmRole});</li>
 *   <li>a grant onto a client another namespace's Keymint resource owns is refused;</li>
 *   <li>a grant that must land on a client of one particular Keymint resource (audience) is made only
 *       when Keycloak shows that resource's ownership mark on the client, read now, not from a status;</li>
 *   <li>every other grant matches {@code KEYMINT_GRANTABLE_ROLES}.</li>
 * </ul>
 * A client with a user-facing flow also gets the same roles as its scope mappings ({@code
 * fullScopeAllowed} is off), so a token issued through it carries only these roles, whoever logs in.
 * A client without one ({@link DesiredClient#userFacing}) has full scope and issues tokens only for
 * its service account, which holds exactly these roles and belongs to no group.
 */
final class RoleGrants {

  private final AdminCalls admin;
  private final RolePolicy policy;

  RoleGrants(AdminCalls admin, RolePolicy policy) {
    this.admin = admin;
    this.policy = policy;
  }

  /** Roles resolved and checked, ready to be mapped. */
  record Resolved(List<RoleRepresentation> realmRoles, Map<String, ClientRoles> clientRoles) {}

  /** The roles of one client (by its Keycloak id) to map. */
  record ClientRoles(String clientUuid, List<RoleRepresentation> roles) {}

  /** Resolves the desired roles in Keycloak and applies the policy to each; throws before anything is written. */
  Resolved resolve(RealmResource realm, DesiredClient desired) {
    Map<String, String> clientIds = new HashMap<>(); // Keycloak id -> clientId, for the composite walk
    List<RoleRepresentation> realmRoles = new ArrayList<>();
    for (String name : desired.realmRoles()) {
      reject(policy.rejectRealmRole(desired.realm(), name));
      RoleRepresentation role = admin.callOrNull("reading realm role '" + name + "'",
          () -> realm.roles().get(name).toRepresentation());
      if (role == null) {
        throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
            "realm role '" + name + "' does not exist in realm '" + desired.realm() + "'");
      }
      requireNothingAdministrativeInside(realm, desired.realm(), role, "realm role '" + name + "'", clientIds);
      realmRoles.add(role);
    }
    Map<String, ClientRoles> clientRoles = new LinkedHashMap<>();
    for (Map.Entry<String, SortedSet<String>> entry : desired.clientRoles().entrySet()) {
      String clientId = entry.getKey();
      String requiredOwner = desired.grantTargetOwners().get(clientId);
      ClientRepresentation target = requireGrantableClient(realm, desired, clientId, requiredOwner);
      clientIds.put(target.getId(), clientId);
      List<RoleRepresentation> roles = new ArrayList<>();
      for (String name : entry.getValue()) {
        if (requiredOwner == null) { // audience grants are limited to the roles the application declares instead
          reject(policy.rejectClientRole(desired.realm(), clientId, name));
        }
        RoleRepresentation role = admin.callOrNull("reading role '" + clientId + "/" + name + "'",
            () -> realm.clients().get(target.getId()).roles().get(name).toRepresentation());
        if (role == null) {
          throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
              "client '" + clientId + "' has no role '" + name + "' in realm '" + desired.realm() + "'");
        }
        requireNothingAdministrativeInside(realm, desired.realm(), role, "client role '" + clientId + "/" + name + "'",
            clientIds);
        roles.add(role);
      }
      clientRoles.put(clientId, new ClientRoles(target.getId(), roles));
    }
    return new Resolved(realmRoles, clientRoles);
  }

  /**
   * Makes the service account's role mappings exactly the resolved roles, and takes it out of every
   * group: Keycloak puts each new user, service accounts too, into the realm's default groups, and a
   * group's roles would reach the tokens of a client with full scope.
   */
  void syncServiceAccount(RealmResource realm, ClientResource client, Resolved resolved, String clientId) {
    String userId = admin.call("reading the service account of '" + clientId + "'",
        () -> client.getServiceAccountUser().getId());
    UserResource user = realm.users().get(userId);
    RoleMappingResource mappings = user.roles();
    sync(mappings.realmLevel(), mappings::clientLevel,
        admin.call("reading the role mappings of " + clientId, mappings::getAll), resolved, "roles of " + clientId);
    for (GroupRepresentation group : admin.call("reading the groups of the service account of " + clientId, user::groups)) {
      admin.run("removing the service account of " + clientId + " from group '" + group.getName() + "'",
          () -> user.leaveGroup(group.getId()));
    }
  }

  /**
   * Makes the client's scope mappings exactly the resolved roles (clients with a user-facing flow).
   * Keycloak (26.7) lets an admin put a realm role into a client's scope only with {@code
   * manage-realm}: that is asked for only when such a client is granted realm roles, and its absence
   * is named in the condition.
   */
  void syncScope(ClientResource client, Resolved resolved, String clientId) {
    RoleMappingResource scope = client.getScopeMappings();
    try {
      sync(scope.realmLevel(), scope::clientLevel,
          admin.call("reading the scope mappings of " + clientId, scope::getAll), resolved, "scope of " + clientId);
    } catch (ReconcileException e) {
      if (!Reasons.FORBIDDEN.equals(e.reason()) || !e.getMessage().contains("realm scope of")) {
        throw e;
      }
      throw ReconcileException.permanent(Reasons.FORBIDDEN, "Keycloak refused to put the realm roles "
          + resolved.realmRoles().stream().map(RoleRepresentation::getName).toList() + " into the scope of client '"
          + clientId + "': granting realm roles needs the realm-management role "
          + KeycloakGateway.REALM_ROLE_GRANTS_ADMIN_ROLE + " on Keymint's admin client (or grant client roles instead)");
    }
  }

  private void sync(RoleScopeResource realmLevel, java.util.function.Function<String, RoleScopeResource> clientLevel,
      MappingsRepresentation current, Resolved resolved, String what) {
    syncRoles(realmLevel, resolved.realmRoles(), "realm " + what);
    Map<String, String> uuids = new LinkedHashMap<>();
    Map<String, ClientMappingsRepresentation> mapped = current == null ? null : current.getClientMappings();
    if (mapped != null) {
      mapped.forEach((clientId, m) -> uuids.put(clientId, m.getId()));
    }
    resolved.clientRoles().forEach((clientId, r) -> uuids.put(clientId, r.clientUuid()));
    uuids.forEach((clientId, uuid) -> {
      ClientRoles wanted = resolved.clientRoles().get(clientId);
      syncRoles(clientLevel.apply(uuid), wanted == null ? List.of() : wanted.roles(), "client '" + clientId + "' " + what);
    });
  }

  /** Makes the mapped roles exactly {@code desired}: adds what is missing, removes what is extra. */
  private void syncRoles(RoleScopeResource scope, List<RoleRepresentation> desired, String what) {
    List<RoleRepresentation> current = admin.call("reading the " + what, scope::listAll);
    Set<String> wanted = new HashSet<>();
    desired.forEach(r -> wanted.add(r.getName()));
    Set<String> have = new HashSet<>();
    current.forEach(r -> have.add(r.getName()));
    List<RoleRepresentation> add = desired.stream().filter(r -> !have.contains(r.getName())).toList();
    List<RoleRepresentation> remove = current.stream().filter(r -> !wanted.contains(r.getName())).toList();
    if (!add.isEmpty()) {
      admin.run("adding " + what, () -> scope.add(add));
    }
    if (!remove.isEmpty()) {
      admin.run("removing " + what, () -> scope.remove(remove));
    }
  }

  /** The client whose roles are granted: exists, is not administrative, and belongs to the right owner. */
  private ClientRepresentation requireGrantableClient(RealmResource realm, DesiredClient desired, String clientId,
      String requiredOwnerUid) {
    if (RolePolicy.isAdministrativeClient(desired.realm(), clientId)) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED,
          "roles of client '" + clientId + "' are administrative and never grantable");
    }
    ClientRepresentation target = KeycloakGateway.findClient(admin, realm, desired.realm(), clientId);
    if (target == null) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_FOUND,
          "client '" + clientId + "' does not exist in realm '" + desired.realm() + "'");
    }
    Map<String, String> attributes = target.getAttributes();
    if (requiredOwnerUid != null && (attributes == null || !requiredOwnerUid.equals(attributes.get(OwnerMark.UID_ATTRIBUTE)))) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED, "client '" + clientId
          + "' in realm '" + desired.realm() + "' was not created by Keymint for that ClientApplication of namespace '"
          + desired.owner().namespace() + "'; its roles are not granted");
    }
    String ownerNamespace = OwnerMark.namespaceOf(attributes);
    if (ownerNamespace != null && !ownerNamespace.equals(desired.owner().namespace())) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED, "client '" + clientId
          + "' belongs to a Keymint resource in namespace '" + ownerNamespace + "'; roles cannot cross namespaces");
    }
    return target;
  }

  /**
   * Walks the whole closure of a composite role (any depth, each role once): no administrative
   * role may hide in it.
   */
  private void requireNothingAdministrativeInside(RealmResource realm, String realmName, RoleRepresentation role,
      String what, Map<String, String> clientIds) {
    Set<String> seen = new HashSet<>();
    List<RoleRepresentation> frontier = List.of(role);
    while (!frontier.isEmpty()) {
      List<RoleRepresentation> next = new ArrayList<>();
      for (RoleRepresentation r : frontier) {
        if (!Boolean.TRUE.equals(r.isComposite()) || !seen.add(r.getId())) {
          continue;
        }
        for (RoleRepresentation inner : admin.call("reading the composites of " + what,
            () -> realm.rolesById().getRoleComposites(r.getId()))) {
          boolean administrative = Boolean.TRUE.equals(inner.getClientRole())
              ? RolePolicy.isAdministrativeClient(realmName, clientIds.computeIfAbsent(inner.getContainerId(),
                  id -> admin.call("reading a client of a composite role", () -> realm.clients().get(id).toRepresentation()
                      .getClientId())))
              : RolePolicy.isAdministrativeRealmRole(inner.getName());
          if (administrative) {
            throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED,
                what + " contains the administrative role '" + inner.getName() + "' and is never grantable");
          }
          next.add(inner);
        }
      }
      frontier = next;
    }
  }

  private static void reject(Optional<String> why) {
    if (why.isPresent()) {
      throw ReconcileException.permanent(Reasons.ROLE_NOT_ALLOWED, why.get());
    }
  }
}
