package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.TestData;
import dev.duet.testing.WordOrderTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verdict across pipelines over a store holding three small real runs, one per kind of
 * data: penguins (tabular), generated bar images (a LeNet CNN), and a generated word-order task
 * (text, an LSTM); plus a copy under a hostile directory name.
 */
@Tag("sample-data")
class VerdictCommandTest {
  private static final String HOSTILE = "pen<b>&\"x\"";
  @TempDir
  Path tmp;

  @Test
  void onePipelinePerRowAndEachClaimJudgedOnTheNumbers() throws IOException {
    Path store = tmp.resolve("store");
    assertThat(run(store, penguins(), "tab").exitCode()).isZero();
    assertThat(run(store, bars(), "img").exitCode()).isZero();
    assertThat(run(store, WordOrderTask.config(tmp.resolve("order.jsonl"), 1200, 11,
        "{naive_bayes: {smoothing: [1.0]}}"), "txt").exitCode()).isZero();
    Dirs.copyTree(store.resolve("penguins"), store.resolve(HOSTILE));

    Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"verdict", "--store", store.toString()}, out, err));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("verdict: 4 pipeline(s)", "verdict: report: ");

    JsonNode v = new ObjectMapper().readTree(store.resolve("verdict/verdict.json").toFile());
    Map<String, JsonNode> rows = new HashMap<>();
    v.path("pipelines").forEach(p -> rows.put(p.path("pipeline").asText(), p));
    assertThat(rows).containsOnlyKeys("penguins", "bars", "order", HOSTILE);
    assertThat(rows.get("penguins").path("kind").asText()).isEqualTo("tabular");
    assertThat(rows.get("bars").path("kind").asText()).isEqualTo("images");
    assertThat(rows.get("order").path("kind").asText()).isEqualTo("text");
    for (JsonNode p : rows.values()) {
      double gap = p.at("/best_classic/score").asDouble() - p.at("/best_network/score").asDouble();
      assertThat(p.path("gap").asDouble()).as("classic ahead, by a larger-is-better metric").isCloseTo(gap,
          org.assertj.core.data.Offset.offset(1e-9));
      assertThat(p.path("training_time_ratio").asDouble()).isCloseTo(p.at("/best_network/train_seconds").asDouble()
          / p.at("/best_classic/train_seconds").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(p.path("test_rows").asLong()).isPositive();
      assertThat(p.path("winner").asText()).isIn("classic", "deep", "tie");
    }
    assertThat(rows.get("order").path("winner").asText()).as("only the LSTM reads the order").isEqualTo("deep");
    assertThat(rows.get("penguins").path("crossover").asText()).as("penguins measured a learning curve")
        .doesNotStartWith("not measured");

    Map<String, JsonNode> claims = new HashMap<>();
    v.path("claims").forEach(c -> claims.put(c.path("claim").asText(), c));
    assertThat(claims).containsOnlyKeys("data_needed", "feature_engineering", "compute", "training_time",
        "equal_budget", "interpretability", "unstructured", "tabular");
    claims.values().forEach(c -> {
      assertThat(c.path("finding").asText()).isIn("supported", "contradicted", "cannot say");
      assertThat(c.path("evidence")).hasSize(4);
    });
    assertThat(claims.get("interpretability").path("finding").asText())
        .as("every best classic model here can be read, no network can").isEqualTo("supported");
    assertThat(claims.get("unstructured").path("evidence").toString())
        .contains("order (text): supports: roc_auc", "penguins (tabular): cannot say: not images or text");
    assertThat(claims.get("equal_budget").path("evidence").toString())
        .as("bars trained both families within budget: 2m").containsPattern("bars \\(images\\): [a-z ]+: at 120 s each: ")
        .contains("penguins (tabular): cannot say: no equal budget");
    assertThat(rows.get("bars").path("equal_budget_seconds").asDouble()).isEqualTo(120);
    assertThat(claims.get("data_needed").path("evidence").toString()).contains("penguins (tabular): ")
        .contains("bars (images): cannot say: no learning curve");

    String html = Files.readString(store.resolve("verdict/report.html"));
    assertThat(html.split("data:image/png;base64,", -1)).as("a score-vs-time chart per pipeline").hasSize(5);
    assertThat(html).contains("bars: both families within 120 s");
    assertThat(html).contains("pen&lt;b&gt;&amp;&quot;x&quot;").doesNotContain(HOSTILE)
        .doesNotContain("<script").doesNotContain("src=\"http");
    assertThat(store.resolve("verdict/manifest.json")).isRegularFile();
    assertThat(store.resolve("verdict/_SUCCESS")).isRegularFile();
  }

  @Test
  void aStoreWithoutAnEvaluatedRunIsAnInputErrorWithExitCodeTwo() throws IOException {
    Path store = Files.createDirectories(tmp.resolve("empty"));
    Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"verdict", "--store", store.toString()}, out, err));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).singleElement().asString().startsWith("duet verdict: No pipeline in ")
        .endsWith("has an evaluated run: run evaluate first");
  }

  /**
   * Penguins as shipped, the best of each family refitted on half its rows (a network's refit on
   * less would hold out fewer than 10 rows to validate on, and is not measured).
   */
  private static String penguins() throws IOException {
    String c = TestData.shipped("penguins.yaml");
    assertThat(c).doesNotContain("\nevaluate:");
    return c + "\nevaluate:\n  learning_curve: [0.5]\n";
  }

  /**
   * Generated 16x16 images (the smallest a LeNet-style CNN takes): a bright bar across faint
   * noise, labelled by whether it is horizontal. A narrow table: 256 pixels ingest in seconds.
   */
  private String bars() throws IOException {
    Random random = new Random(5);
    StringBuilder csv = new StringBuilder("label");
    for (int i = 0; i < 256; i++) {
      csv.append(",p").append(i);
    }
    for (int r = 0; r < 800; r++) {
      boolean horizontal = random.nextBoolean();
      int at = random.nextInt(16);
      csv.append('\n').append(horizontal ? 1 : 0);
      for (int i = 0; i < 256; i++) {
        boolean bar = horizontal ? i / 16 == at : i % 16 == at;
        csv.append(',').append(bar ? 1.0 : Math.round(random.nextDouble() * 30) / 100.0);
      }
    }
    Path data = Files.writeString(tmp.resolve("bars.csv"), csv.append('\n'));
    return """
        pipeline: bars
        task: classification
        label: label
        input: {path: "%s", format: csv, options: {header: "true"}}
        columns:
          - {name: label, type: int, nulls: quarantine, allowed: [0, 1]}
          - {name: "p{0..255}", type: double, nulls: quarantine, min: 0, max: 1}
        split: {test_fraction: 0.25, seed: 42}
        budget: 2m
        train_ml:
          features: {numeric: ["p{0..255}"]}
          algorithms: {decision_tree: {maxDepth: [6]}}
        train_dl:
          network: cnn
          features: {numeric: ["p{0..255}"], standardize: false}
          image: {height: 16, width: 16, channels: 1}
          epochs: 2
          batch_size: 32
          workers: 2
        """.formatted(data);
  }

  private Cli run(Path store, String config, String runId) throws IOException {
    Cli r = Cli.duet(tmp, "run", config, store, runId);
    assertThat(r.exitCode()).as(r.err()).isZero();
    return r;
  }
}
