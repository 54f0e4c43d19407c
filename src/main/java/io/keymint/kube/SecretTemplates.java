package io.keymint.kube;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.keymint.api.Bounds;
import io.keymint.api.Reasons;
import java.util.Collection;
import java.util.LinkedHashMap;
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
 *
 * <p>Bounded before anything is rendered: at most {@link Bounds#TEMPLATES} templates of at most
 * {@link Bounds#TEMPLATE_LENGTH} characters (the CRD says so too; the API server may not check),
 * each rendering at most {@link Bounds#RENDERED_BYTES}, and the Secret with them at most
 * {@link Bounds#SECRET_DATA_BYTES}. A template's rendered size is worked out from its text and the
 * sizes of the values it names: the values are strings, so a section renders at most once and the
 * sum is an upper bound. A template that would render 50 MiB is refused having allocated nothing
 * near that.
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
    checkCount(templates);
    templates.forEach((key, text) -> {
      Set<String> named = Uses.of(key, parse(key, text), Map.of()).names;
      if (reserved.contains(key)) {
        throw invalid(key, "would replace a standard key of the Secret");
      }
      named.removeAll(keys);
      if (!named.isEmpty()) {
        throw invalid(key, "names " + quoted(named) + "; the keys available are " + quoted(keys));
      }
    });
  }

  /**
   * The rendered templates, by key. Fails with InvalidSpec when one names a key {@code data} lacks,
   * would render more than {@link Bounds#RENDERED_BYTES}, or would take the Secret past
   * {@link Bounds#SECRET_DATA_BYTES}: all found before anything is rendered.
   */
  public static Map<String, String> render(Map<String, String> templates, Map<String, String> data) {
    Map<String, String> rendered = new TreeMap<>();
    if (templates == null) {
      return rendered;
    }
    checkCount(templates);
    Map<String, Template> parsed = new LinkedHashMap<>();
    long secret = SecretSize.of(data);
    for (Map.Entry<String, String> t : templates.entrySet()) {
      String key = t.getKey();
      Template template = parse(key, t.getValue());
      Uses uses = Uses.of(key, template, data);
      Set<String> named = uses.names;
      if (data.containsKey(key)) {
        throw invalid(key, "would replace a standard key of the Secret");
      }
      named.removeAll(data.keySet());
      if (!named.isEmpty()) {
        throw invalid(key, "names " + quoted(named) + ", which this Secret does not hold");
      }
      long size = uses.size;
      if (size > Bounds.RENDERED_BYTES) {
        throw invalid(key, "would render " + SecretSize.format(size) + " with the values it names; a template renders at most "
            + SecretSize.format(Bounds.RENDERED_BYTES));
      }
      secret += SecretSize.of(key) + size;
      parsed.put(key, template);
    }
    if (secret > Bounds.SECRET_DATA_BYTES) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data: with the rendered keys the Secret"
          + " would hold " + SecretSize.format(secret) + "; a Secret holds at most " + SecretSize.format(Bounds.SECRET_DATA_BYTES));
    }
    parsed.forEach((key, template) -> {
      try {
        rendered.put(key, template.execute(data));
      } catch (MustacheException e) { // names and line numbers only, but it is not ours to show
        throw invalid(key, "cannot be rendered");
      }
    });
    return rendered;
  }

  private static void checkCount(Map<String, String> templates) {
    if (templates.size() > Bounds.TEMPLATES) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data has " + templates.size()
          + " templates; at most " + Bounds.TEMPLATES);
    }
  }

  /** The template, which must have a valid Secret key, a text of at most {@link Bounds#TEMPLATE_LENGTH}, and parse. */
  private static Template parse(String key, String text) {
    if (key == null || !SECRET_KEY.matcher(key).matches()) {
      throw ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data: '" + key
          + "' is not a valid Secret key (letters, digits, '-', '_' and '.')");
    }
    if (text == null) {
      throw invalid(key, "is empty");
    }
    if (text.length() > Bounds.TEMPLATE_LENGTH) {
      throw invalid(key, "is " + text.length() + " characters long; at most " + Bounds.TEMPLATE_LENGTH);
    }
    try {
      return COMPILER.compile(text);
    } catch (MustacheException e) {
      throw invalid(key, "does not parse: " + e.getMessage());
    }
  }

  /**
   * What a template uses: the variable and section names it looks up (it may include no partial or
   * parent), and the most it renders over {@code data}: its text and each value it names, once.
   */
  private static final class Uses implements Mustache.Visitor {
    private final String key;
    private final Map<String, String> data;
    private final Set<String> names = new LinkedHashSet<>();
    private long size;

    private Uses(String key, Map<String, String> data) {
      this.key = key;
      this.data = data;
    }

    static Uses of(String key, Template template, Map<String, String> data) {
      Uses uses = new Uses(key, data);
      template.visit(uses);
      return uses;
    }

    @Override public void visitText(String text) {
      size += SecretSize.of(text);
    }

    @Override public void visitVariable(String name) {
      names.add(name);
      size += SecretSize.of(data.get(name));
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
  }

  private static String quoted(Collection<String> names) {
    return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
  }

  private static ReconcileException invalid(String key, String problem) {
    return ReconcileException.permanent(Reasons.INVALID_SPEC, "secret.template.data." + key + ": the template " + problem);
  }
}
