package dev.duet.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * One mapping of the YAML tree, read key by key. Every problem (wrong type, bad enum value,
 * missing key, unknown key) is added to a shared list instead of thrown, so a config is
 * reported whole in one pass. Call {@link #finish()} once every known key was read.
 */
final class YamlObject {
  private final JsonNode node;
  private final String path;
  private final List<String> problems;
  private final Set<String> read = new HashSet<>();
  /** Keys this mapping took from an enclosing one (see {@link #entryOver}), reported under that one's path. */
  private final YamlObject inheritedFrom;
  private final Set<String> inherited;

  private YamlObject(JsonNode node, String path, List<String> problems) {
    this(node, path, problems, null, Set.of());
  }

  private YamlObject(JsonNode node, String path, List<String> problems, YamlObject inheritedFrom,
      Set<String> inherited) {
    this.node = node;
    this.path = path;
    this.problems = problems;
    this.inheritedFrom = inheritedFrom;
    this.inherited = inherited;
  }

  static YamlObject root(JsonNode node, List<String> problems) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      problems.add("The config is empty");
      return new YamlObject(null, "", problems);
    }
    if (!node.isObject()) {
      problems.add("The config must be a mapping of keys to values, not " + describe(node));
      return new YamlObject(null, "", problems);
    }
    return new YamlObject(node, "", problems);
  }

  /** Where this mapping is in the file, e.g. {@code columns[2]}: how to name an entry that has no name. */
  String where() {
    return path;
  }

  String path(String key) {
    if (inherited.contains(key)) {
      return inheritedFrom.path(key);
    }
    return path.isEmpty() ? key : path + "." + key;
  }

  /**
   * The entry {@code name} of the mapping at {@code key}, over this mapping's other keys as its
   * defaults (e.g. one network of {@code train_dl.networks} with the section's settings).
   * Problems name the key where the value was written (a shared key's problem, found by
   * each entry, is reported once: the loader drops repeated problems). The caller finishes the
   * entry; this mapping itself needs no finish.
   */
  YamlObject entryOver(String key, String name) {
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    Set<String> fromHere = new HashSet<>();
    node.fields().forEachRemaining(e -> {
      if (!e.getKey().equals(key)) {
        merged.set(e.getKey(), e.getValue());
        fromHere.add(e.getKey());
      }
    });
    JsonNode entry = node.path(key).path(name);
    if (entry.isObject()) {
      entry.fields().forEachRemaining(e -> {
        merged.set(e.getKey(), e.getValue());
        fromHere.remove(e.getKey());
      });
    } else if (!entry.isNull() && !entry.isMissingNode()) {
      problems.add(String.format("Cannot set %s to %s: must be a mapping", path(key) + "." + name, describe(entry)));
    }
    return new YamlObject(merged, path(key) + "." + name, problems, this, fromHere);
  }

  void problem(String message) {
    problems.add(message);
  }

  boolean has(String key) {
    return value(key) != null;
  }

  private JsonNode value(String key) {
    read.add(key);
    if (node == null) {
      return null;
    }
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  Optional<String> optString(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isValueNode() || v.isBinary()) {
      wrongType(key, v, "a string");
      return Optional.empty();
    }
    return Optional.of(v.asText());
  }

  /** A required string; blank counts as missing (a name or path of "" names nothing). */
  String string(String key) {
    Optional<String> v = optString(key);
    if (v.isEmpty() && !has(key)) {
      missing(key);
    } else if (v.isPresent() && v.get().isBlank()) {
      problem(path(key) + " must not be empty");
      return null;
    }
    return v.orElse(null);
  }

  Optional<Double> optNumber(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v.isNumber()) {
      return Optional.of(v.asDouble());
    }
    if (v.isTextual()) {
      try {
        return Optional.of(Double.parseDouble(v.asText().trim()));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    wrongType(key, v, "a number");
    return Optional.empty();
  }

  Optional<Long> optInteger(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v.isIntegralNumber() || (v.isTextual() && v.asText().trim().matches("-?\\d+"))) {
      return Optional.of(v.asLong());
    }
    wrongType(key, v, "a whole number");
    return Optional.empty();
  }

  Optional<Boolean> optBoolean(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v.isBoolean()) {
      return Optional.of(v.asBoolean());
    }
    wrongType(key, v, "true or false");
    return Optional.empty();
  }

  /** An enum value written in lower case with '_' (e.g. {@code impute}, {@code day_of_week}). */
  <E extends Enum<E>> Optional<E> optEnum(String key, Class<E> type) {
    Optional<String> text = optString(key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String wanted = text.get().trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(wanted)) {
        return Optional.of(e);
      }
    }
    problems.add(String.format("Cannot set %s to '%s': must be one of %s",
        path(key), text.get(), enumNames(type)));
    return Optional.empty();
  }

  <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
    return optEnum(key, type).orElse(fallback);
  }

  static <E extends Enum<E>> String enumNames(Class<E> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  /** Whether {@code key} holds a mapping (e.g. a parameter's range rather than its values). */
  boolean holdsMapping(String key) {
    JsonNode v = value(key);
    return v != null && v.isObject();
  }

  /** A nested mapping; an absent key gives an empty mapping whose reads all come back empty. */
  YamlObject object(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return new YamlObject(null, path(key), problems);
    }
    if (!v.isObject()) {
      wrongType(key, v, "a mapping");
      return new YamlObject(null, path(key), problems);
    }
    return new YamlObject(v, path(key), problems);
  }

  /** A list of mappings, each read by {@code reader}. */
  <T> List<T> objects(String key, Function<YamlObject, T> reader) {
    JsonNode v = value(key);
    List<T> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!v.isArray()) {
      wrongType(key, v, "a list");
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      String itemPath = path(key) + "[" + i + "]";
      if (!item.isObject()) {
        problems.add(String.format("Cannot set %s to %s: must be a mapping", itemPath, describe(item)));
        continue;
      }
      YamlObject obj = new YamlObject(item, itemPath, problems);
      out.add(reader.apply(obj));
      obj.finish();
    }
    return out;
  }

  /** A list of scalars as strings; a single scalar is taken as a list of one. */
  List<String> strings(String key) {
    JsonNode v = value(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v.isValueNode()) {
      out.add(v.asText());
      return out;
    }
    if (!v.isArray()) {
      wrongType(key, v, "a list of values");
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (!item.isValueNode() || item.isNull()) {
        problems.add(String.format("Cannot set %s[%d] to %s: must be a value", path(key), i, describe(item)));
      } else {
        out.add(item.asText());
      }
    }
    return out;
  }

  /** A mapping of scalar values (e.g. reader options), kept in file order. */
  Map<String, String> stringMap(String key) {
    JsonNode v = value(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!v.isObject()) {
      wrongType(key, v, "a mapping");
      return out;
    }
    v.fields().forEachRemaining(e -> {
      if (e.getValue().isValueNode() && !e.getValue().isNull()) {
        out.put(e.getKey(), e.getValue().asText());
      } else {
        problems.add(String.format("Cannot set %s.%s to %s: must be a value",
            path(key), e.getKey(), describe(e.getValue())));
      }
    });
    return out;
  }

  /** The keys of this mapping, in file order (none when absent). */
  List<String> keys() {
    List<String> out = new ArrayList<>();
    if (node != null) {
      node.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  /** A mapping of keys to a value or a list of values (e.g. a parameter grid), in file order. */
  Map<String, List<String>> listMap(String key) {
    YamlObject m = object(key);
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String k : m.keys()) {
      out.put(k, m.strings(k));
    }
    return out;
  }

  /** Reports every key of this mapping that no reader asked for. */
  void finish() {
    if (node == null) {
      return;
    }
    node.fieldNames().forEachRemaining(k -> {
      if (!read.contains(k)) {
        String hint = closest(k, read).map(c -> " (did you mean '" + c + "'?)").orElse("");
        problems.add("Unknown key " + path(k) + hint);
      }
    });
  }

  private void missing(String key) {
    problems.add(path(key) + " is required");
  }

  private void wrongType(String key, JsonNode v, String expected) {
    problems.add(String.format("Cannot set %s to %s: must be %s", path(key), describe(v), expected));
  }

  private static String describe(JsonNode v) {
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return "'" + v.asText() + "'";
  }

  /** The known key within two edits of {@code key} (case aside), if one is. */
  private static Optional<String> closest(String key, Set<String> known) {
    LevenshteinDistance withinTwo = new LevenshteinDistance(2); // -1 beyond
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = withinTwo.apply(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d >= 0 && d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return Optional.ofNullable(best);
  }
}
