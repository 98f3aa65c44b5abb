package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Permutation importance, measured by each training stage for its own models, in one schema. */
class PermutationImportanceTest {
  @TempDir
  Path tmp;

  @Test
  void theOneColumnTheLabelDependsOnRanksFirstForATreeAndForANetworkAndEvaluateComparesThem() throws IOException {
    // signal decides the label; the noise columns and the category carry nothing.
    StringBuilder csv = new StringBuilder("signal,noise_a,noise_b,colour,y\n");
    Random random = new Random(3);
    String[] colours = {"red", "green", "blue", "grey"};
    for (int i = 0; i < 6_000; i++) {
      double signal = random.nextGaussian();
      csv.append(signal).append(',').append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',')
          .append(colours[random.nextInt(colours.length)]).append(',').append(signal > 0.3 ? 1 : 0).append('\n');
    }
    Path data = tmp.resolve("signal.csv");
    Files.writeString(data, csv);
    String config = """
        pipeline: signal
        task: classification
        label: y
        input: {path: %s, format: csv, options: {header: "true"}}
        columns:
          - {name: signal, type: double, nulls: quarantine}
          - {name: noise_a, type: double, nulls: quarantine}
          - {name: noise_b, type: double, nulls: quarantine}
          - {name: colour, type: string, nulls: quarantine}
          - {name: y, type: int, nulls: quarantine}
        split: {test_fraction: 0.25, seed: 42}
        train_ml:
          features: {numeric: [signal, noise_a, noise_b], categorical: [colour]}
          algorithms: {decision_tree: {maxDepth: [4]}}
        train_dl:
          features: {numeric: [signal, noise_a, noise_b], categorical: [colour]}
          hidden: [16]
          learning_rate: 0.01
          epochs: 3
          batch_size: 64
        """.formatted(data);
    Path store = tmp.resolve("store");
    Cli r = run(config, store, "run");
    assertThat(r.exitCode()).as(r.err()).isZero();

    ObjectMapper json = new ObjectMapper();
    JsonNode ml = json.readTree(store.resolve("signal/r/train-ml/permutation_importance.json").toFile());
    JsonNode dl = json.readTree(store.resolve("signal/r/train-dl/permutation_importance.json").toFile());
    JsonNode tree = ml.at("/models/decision_tree");
    JsonNode network = dl.at("/models/mlp");
    System.out.printf("permutation importance: tree %s%nnetwork %s%n", tree.at("/columns"), network.at("/columns"));
    for (JsonNode model : List.of(tree, network)) {
      assertThat(model.at("/metric").asText()).isEqualTo("roc_auc");
      assertThat(model.at("/columns/0/column").asText()).as("the label's only cause ranks first").isEqualTo("signal");
      assertThat(model.at("/columns/0/importance").asDouble()).as("shuffling it costs most of the AUC").isGreaterThan(0.2);
      for (JsonNode c : model.at("/columns")) {
        if (!c.at("/column").asText().equals("signal")) {
          assertThat(Math.abs(c.at("/importance").asDouble())).as(c.toString()).isLessThan(0.05);
        }
      }
    }
    assertThat(fieldNames(ml)).as("one schema for both stages").isEqualTo(fieldNames(dl));
    assertThat(fieldNames(tree)).isEqualTo(fieldNames(network));
    assertThat(fieldNames(tree.at("/columns/0"))).isEqualTo(fieldNames(network.at("/columns/0")));
    assertThat(ml.at("/rows").asLong()).isEqualTo(dl.at("/rows").asLong()).isPositive();

    JsonNode report = json.readTree(store.resolve("signal/r/evaluate/report.json").toFile());
    assertThat(report.at("/leaderboard")).allSatisfy(m ->
        assertThat(m.at("/permutation_importance/0/column").asText()).as(m.at("/model").asText()).isEqualTo("signal"));
    assertThat(report.at("/head_to_head").toString()).contains("permutation importance (drop in roc_auc when shuffled):"
        + " signal");
    assertThat(store.resolve("signal/r/evaluate/plots/permutation-importance.png")).isRegularFile();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names.stream().filter(n -> !n.startsWith("permuted_")).sorted().toList();
  }

  private Cli run(String config, Path store, String command) throws IOException {
    return Cli.duet(tmp, command, config, store, "r");
  }
}
