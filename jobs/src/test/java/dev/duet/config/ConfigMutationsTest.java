package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shipped config, broken one place at a time as a user's edit would break it: each leaf set
 * to null, a list, a string and a negative number, and each key removed. The loader either accepts
 * the result or answers with its problems ({@link ConfigException}: the CLI's exit 2, one line per
 * problem); any other exception would be an exit 1 with a stack trace.
 */
class ConfigMutationsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @Test
  void everyMutationOfTheShippedConfigsIsLoadedOrRefusedWithItsProblemsNeverACrash() throws Exception {
    List<String> crashes = new ArrayList<>();
    int mutations = 0;
    int refused = 0;
    try (Stream<Path> files = Files.list(Path.of("..", "conf"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        JsonNode shipped = YAML.readTree(file.toFile());
        for (Mutation m : mutationsOf(shipped)) {
          mutations++;
          try {
            ConfigLoader.parse(YAML.writeValueAsString(m.config()), file.getFileName().toString());
          } catch (ConfigException e) {
            refused++;
            assertThat(e.problems()).as("%s, %s", file.getFileName(), m.what()).isNotEmpty()
                .allSatisfy(p -> assertThat(p).doesNotContain("\n").isNotBlank());
          } catch (RuntimeException e) {
            crashes.add(file.getFileName() + ", " + m.what() + ": " + e + " at " + e.getStackTrace()[0]);
          }
        }
      }
    }
    System.out.printf("config mutations: %d, refused with problems: %d%n", mutations, refused);
    assertThat(mutations).as("mutations tried").isGreaterThan(500);
    assertThat(refused).as("most breakages are refused").isGreaterThan(mutations / 2);
    assertThat(crashes).as("loader crashes").isEmpty();
  }

  private record Mutation(String what, JsonNode config) {}

  /** One mutation per leaf and replacement, and one per key removed, each on a fresh copy. */
  private static List<Mutation> mutationsOf(JsonNode shipped) {
    List<Mutation> out = new ArrayList<>();
    List<List<Object>> paths = new ArrayList<>();
    collect(shipped, new ArrayList<>(), paths);
    for (List<Object> path : paths) {
      JsonNode at = at(shipped, path);
      if (at.isValueNode()) {
        out.add(replaced(shipped, path, "set to null", NODES.nullNode()));
        out.add(replaced(shipped, path, "set to a list", NODES.arrayNode().add(1)));
        out.add(replaced(shipped, path, "set to a string", NODES.textNode("x")));
        out.add(replaced(shipped, path, "set to a negative number", NODES.numberNode(-1)));
      }
      if (!path.isEmpty() && path.get(path.size() - 1) instanceof String key) {
        out.add(edited(shipped, path.subList(0, path.size() - 1), path + " removed", parent -> ((ObjectNode) parent).remove(key)));
      }
    }
    return out;
  }

  private static void collect(JsonNode node, List<Object> path, List<List<Object>> out) {
    if (!path.isEmpty()) {
      out.add(List.copyOf(path));
    }
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        path.add(key);
        collect(node.get(key), path, out);
        path.remove(path.size() - 1);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        path.add(i);
        collect(node.get(i), path, out);
        path.remove(path.size() - 1);
      }
    }
  }

  private static JsonNode at(JsonNode root, List<Object> path) {
    JsonNode n = root;
    for (Object step : path) {
      n = step instanceof String key ? n.get(key) : n.get((Integer) step);
    }
    return n;
  }

  private static Mutation replaced(JsonNode shipped, List<Object> path, String what, JsonNode value) {
    Object last = path.get(path.size() - 1);
    return edited(shipped, path.subList(0, path.size() - 1), path + " " + what, parent -> {
      if (last instanceof String key) {
        ((ObjectNode) parent).set(key, value);
      } else {
        ((ArrayNode) parent).set((Integer) last, value);
      }
    });
  }

  private static Mutation edited(JsonNode shipped, List<Object> parentPath, String what, Consumer<JsonNode> edit) {
    JsonNode copy = shipped.deepCopy();
    edit.accept(at(copy, parentPath));
    return new Mutation(what, copy);
  }
}
