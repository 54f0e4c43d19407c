package io.keymint.kube;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.keymint.api.Reasons;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code secret.template.data}: extra Secret keys rendered from Mustache templates over the
 * Secret's own standard keys. Strict: a template that does not parse, names a key the kind does
 * not have (or the Secret does not hold when rendered), or would replace a standard key is
 * InvalidSpec, with a message naming the template's key and never a value. No HTML escaping.
 * Pure.
 */
public final class SecretTemplates {

  /** No default and no null value: a missing variable fails instead of rendering as "". */
  private static final Mustache.Compiler COMPILER = Mustache.compiler().escapeHTML(false).strictSections(true);
  /** What the API server accepts as a Secret key. */
  private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");

  private SecretTemplates() {}

  /**
   * Fails with InvalidSpec unless every template parses and names only {@code keys}, and no
   * template key is one of {@code keys}.
   */
  public static void check(Map<String, String> templates, Collection<String> keys) {
    check(templates, keys, keys);
  }

  /**
   * Fails with InvalidSpec unless every template parses and names only {@code keys} (those this
   * Secret will hold), and no template key is one of {@code reserved} (the kind's standard keys).
   */
  public static void check(Map<String, String> templates, Collection<String> keys, Collection<String> reserved) {
    if (templates == null) {
      return;
    }
    templates.forEach((key, text) -> {
      Set<String> named = namesIn(key, text);
      if (reserved.contains(key)) {
        throw invalid(key, "would replace a standard key of the Secret");
      }
      named.removeAll(keys);
      if (!named.isEmpty()) {
        throw invalid(key, "names " + quoted(named) + "; the keys available are " + quoted(keys));
      }
    });
  }

  /** The rendered templates, by key; fails with InvalidSpec when one names a key {@code data} lacks. */
  public static Map<String, String> render(Map<String, String> templates, Map<String, String> data) {
    Map<String, String> rendered = new TreeMap<>();
    if (templates == null) {
      return rendered;
    }
    templates.forEach((key, text) -> {
      Set<String> named = namesIn(key, text);
      if (data.containsKey(key)) {
        throw invalid(key, "would replace a standard key of the Secret");
      }
      named.removeAll(data.keySet());
      if (!named.isEmpty()) {
        throw invalid(key, "names " + quoted(named) + ", which this Secret does not hold");
      }
      try {
        rendered.put(key, COMPILER.compile(text).execute(data));
      } catch (MustacheException e) { // names and line numbers only, but it is not ours to show
        throw invalid(key, "cannot be rendered");
      }
    });
    return rendered;
  }

  /** The variable and section names a template uses; it must parse and have a valid Secret key. */
  private static Set<String> namesIn(String key, String text) {
    if (key == null || !SECRET_KEY.matcher(key).matches()) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data: '" + key
          + "' is not a valid Secret key (letters, digits, '-', '_' and '.')");
    }
    if (text == null) {
      throw invalid(key, "is empty");
    }
    Template template;
    try {
      template = COMPILER.compile(text);
    } catch (MustacheException e) {
      throw invalid(key, "does not parse: " + e.getMessage());
    }
    Set<String> names = new LinkedHashSet<>();
    template.visit(new Mustache.Visitor() {
      @Override public void visitText(String text) {}
      @Override public void visitVariable(String name) {
        names.add(name);
      }
      @Override public boolean visitInclude(String name) {
        throw invalid(key, "includes a partial ('" + name + "'); only the Secret's keys can be used");
      }
      @Override public boolean visitParent(String name) {
        throw invalid(key, "uses a parent template ('" + name + "'); only the Secret's keys can be used");
      }
      @Override public boolean visitSection(String name) {
        names.add(name);
        return true;
      }
      @Override public boolean visitInvertedSection(String name) {
        names.add(name);
        return true;
      }
    });
    return names;
  }

  private static String quoted(Collection<String> names) {
    return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
  }

  private static ReconcileException invalid(String key, String problem) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data." + key + ": the template " + problem);
  }
}
