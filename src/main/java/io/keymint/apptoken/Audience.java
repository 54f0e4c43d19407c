package io.keymint.apptoken;

import io.keymint.api.Condition;
import io.keymint.clientapp.ClientApplication;
import io.keymint.clientapp.ClientApplicationModel;
import io.keymint.config.OperatorConfig;
import io.keymint.kube.Selectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who an audience-mode AppToken is for: the ClientApplications of its own namespace that its
 * selector matches and that declare at least one of its roles. Pure.
 *
 * <p>Each member is named by what the user wrote and Kubernetes guarantees (spec, labels, uid),
 * never by a status field: the client a grant lands on is the application's clientId, and the
 * gateway grants only when Keycloak shows that application's ownership mark on it.
 *
 * @param members  applications whose clients are provisioned for their current spec
 * @param pending  names of matching applications still being provisioned: the token waits for them
 * @param stalled  names of matching applications that cannot be provisioned without a change: left out
 */
public record Audience(List<Member> members, List<String> pending, List<String> stalled) {

  /** One application of the audience and the roles granted on its client. */
  public record Member(String name, String uid, String realm, String clientId, SortedSet<String> roles) {}

  public static Audience of(AppToken token, List<ClientApplication> namespaceApplications, OperatorConfig config) {
    List<Member> members = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    List<String> stalled = new ArrayList<>();
    namespaceApplications.stream()
        .filter(app -> app.getMetadata().getNamespace().equals(token.getMetadata().getNamespace()))
        .filter(app -> app.getMetadata().getDeletionTimestamp() == null)
        .filter(app -> Selectors.matches(token.getSpec().audience.selector, app.getMetadata().getLabels()))
        .sorted(Comparator.comparing(app -> app.getMetadata().getName()))
        .forEach(app -> {
          List<String> roles = AppTokenModel.grantableOn(token, app.getSpec() == null ? null : app.getSpec().roles);
          if (roles.isEmpty()) {
            return;
          }
          String name = app.getMetadata().getName();
          if (!isCurrent(app)) {
            pending.add(name);
          } else if (app.getStatus().isReady()) {
            members.add(new Member(name, app.getMetadata().getUid(), ClientApplicationModel.realmOf(app, config),
                ClientApplicationModel.clientIdOf(app), new TreeSet<>(roles)));
          } else if (isStalled(app)) {
            stalled.add(name);
          } else {
            pending.add(name);
          }
        });
    return new Audience(List.copyOf(members), List.copyOf(pending), List.copyOf(stalled));
  }

  /** The realms of the members (one token cannot span realms). */
  public SortedSet<String> realms() {
    SortedSet<String> realms = new TreeSet<>();
    members.forEach(m -> realms.add(m.realm()));
    return realms;
  }

  /** clientId -> roles to grant on it. */
  public SortedMap<String, SortedSet<String>> grants() {
    SortedMap<String, SortedSet<String>> grants = new TreeMap<>();
    members.forEach(m -> grants.put(m.clientId(), m.roles()));
    return grants;
  }

  /** clientId -> uid of the ClientApplication whose ownership mark its client must carry. */
  public SortedMap<String, String> owners() {
    SortedMap<String, String> owners = new TreeMap<>();
    members.forEach(m -> owners.put(m.clientId(), m.uid()));
    return owners;
  }

  public List<String> names() {
    return members.stream().map(Member::name).toList();
  }

  /** Its status speaks of the spec it has now. */
  private static boolean isCurrent(ClientApplication app) {
    long generation = app.getMetadata().getGeneration() == null ? 0 : app.getMetadata().getGeneration();
    return app.getStatus() != null && app.getStatus().observedGeneration != null
        && app.getStatus().observedGeneration == generation;
  }

  private static boolean isStalled(ClientApplication app) {
    Condition stalled = app.getStatus() == null ? null : app.getStatus().condition(Condition.STALLED);
    return stalled != null && "True".equals(stalled.status);
  }
}
