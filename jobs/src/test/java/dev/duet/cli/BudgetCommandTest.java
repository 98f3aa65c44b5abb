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
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both families train within the same stated budget: a generated table of 12,000 rows (the fit
 * rows are several times the cheapest first sample), grids and epochs that would take far longer
 * than the budget. The budgeted run is trained once for the class; its stages' walls are measured
 * around the commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetCommandTest {
  private static final int BUDGET_SECONDS = 36;
  /** What a stage may take past its budget: reading the table before the clock, writing after it. */
  private static final int OVERHEAD_SECONDS = 15;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFIG = """
      pipeline: budget
      task: classification
      label: y
      input: {path: "%s", format: csv, options: {header: "true"}}
      columns:
        - {name: id, type: int}
        - {name: x1, type: double}
        - {name: x2, type: double}
        - {name: c, type: string}
        - {name: y, type: int}
      split: {key: [id], test_fraction: 0.2, seed: 42}
      budget: %s
      train_ml:
        features: {numeric: [x1, x2], categorical: [c]}
        algorithms:
          decision_tree: {maxDepth: [10, 3]}
          gbt: {maxIter: [60, 5], maxDepth: [6, 3]}
          linear: {regParam: [0.0, 0.01, 0.1], maxIter: [50]}
      train_dl:
        features: {numeric: [x1, x2], categorical: [c]}
        batch_size: 64
        workers: 2
        networks:
          mlp: {hidden: [64, 32], epochs: 200, patience: 200}
          wide: {hidden: [256, 256], epochs: 200, patience: 200}
      """;
  @TempDir
  static Path tmp;
  private Path store;
  private Path config;
  private final List<Double> walls = new ArrayList<>();

  @BeforeAll
  void trainBothFamiliesOnceUnderTheBudget() throws IOException {
    store = tmp.resolve("store");
    StringBuilder csv = new StringBuilder("id,x1,x2,c,y\n");
    Random r = new Random(27);
    for (int i = 0; i < 12_000; i++) {
      double x1 = r.nextDouble();
      double x2 = r.nextDouble();
      int c = r.nextInt(5);
      double signal = x1 * x2 * 3 + (c == 2 ? 0.8 : 0) + 0.4 * r.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%d,%.4f,%.4f,%s,%d%n", i, x1, x2, "abcde".charAt(c), signal > 1.2 ? 1 : 0));
    }
    Path data = Files.writeString(tmp.resolve("budget.csv"), csv);
    config = Files.writeString(tmp.resolve("budget.yaml"), CONFIG.formatted(data, BUDGET_SECONDS + "s"));
    for (String stage : List.of("ingest", "train-ml", "train-dl")) {
      long t0 = System.nanoTime();
      Cli run = Cli.duet(stage, config, store, "r");
      assertThat(run.exitCode()).as(stage + ": " + run.err()).isZero();
      walls.add((System.nanoTime() - t0) / 1e9);
    }
  }

  @Test
  void eachFamilysStageEndsWithinTheBudgetPlusAFixedOverhead() throws IOException {
    assertThat(walls.get(1)).as("train-ml's wall, s").isLessThanOrEqualTo(BUDGET_SECONDS + OVERHEAD_SECONDS);
    assertThat(walls.get(2)).as("train-dl's wall, s").isLessThanOrEqualTo(BUDGET_SECONDS + OVERHEAD_SECONDS);
    for (String stage : List.of("train-ml", "train-dl")) {
      JsonNode spend = cards(stage).at("/spend");
      assertThat(spend.at("/budget_seconds").asDouble()).isEqualTo(BUDGET_SECONDS);
      assertThat(spend.at("/seconds").asDouble()).as(stage + " by its own clock").isPositive()
          .isLessThanOrEqualTo(BUDGET_SECONDS * 1.1);
    }
  }

  @Test
  void theClassicSearchStartsWithEachGridsCheapestCandidateOnASmallSampleThenGrows() throws IOException {
    JsonNode tuning = json(store.resolve("budget/r/train-ml/tuning.json"));
    assertThat(tuning.at("/method").asText()).isEqualTo("cheap_first");
    JsonNode gbt = tuning.at("/algorithms/gbt/candidates");
    assertThat(gbt.get(0).at("/params/maxIter").asInt()).as("fewest rounds first").isEqualTo(5);
    assertThat(gbt.get(0).at("/params/maxDepth").asInt()).as("shallowest first").isEqualTo(3);
    assertThat(gbt.get(0).at("/train_rows").asLong()).as("on a sample").isEqualTo(2_000);
    assertThat(gbt.findValues("train_rows")).extracting(JsonNode::asLong).as("then on more rows")
        .anyMatch(rows -> rows > 2_000);
    assertThat(tuning.at("/algorithms/decision_tree/candidates/0/params/maxDepth").asInt()).isEqualTo(3);
    JsonNode cards = cards("train-ml");
    assertThat(cards.at("/models").size() + cards.at("/not_trained").size()).as("every algorithm accounted for")
        .isEqualTo(3);
  }

  @Test
  void eachFamilysAnytimeTraceNeverGetsWorseAndStartsInTheFirstFifthOfTheBudget() throws IOException {
    for (String stage : List.of("train-ml", "train-dl")) {
      JsonNode trace = cards(stage).at("/anytime");
      assertThat(trace.size()).as(stage + ": a point per fit or epoch").isGreaterThanOrEqualTo(3);
      assertThat(trace.get(0).at("/seconds").asDouble()).as(stage + ": first point, s")
          .isLessThanOrEqualTo(BUDGET_SECONDS / 5.0);
      for (int i = 1; i < trace.size(); i++) {
        assertThat(trace.get(i).at("/seconds").asDouble()).isGreaterThanOrEqualTo(trace.get(i - 1).at("/seconds").asDouble());
        assertThat(trace.get(i).at("/score").asDouble()).as(stage + ": roc_auc so far")
            .isGreaterThanOrEqualTo(trace.get(i - 1).at("/score").asDouble());
      }
    }
    JsonNode mlp = cards("train-dl").at("/models/0");
    assertThat(mlp.at("/epochs").size()).as("at least 3 epochs, then as many as fit").isBetween(3, 199);
  }

  @Test
  void evaluateDrawsBothFamiliesTracesFromTheCardsAndStatesWhatEachSpent() throws IOException {
    Cli run = Cli.duet("evaluate", config, store, "r");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode report = json(store.resolve("budget/r/evaluate/report.json"));
    assertThat(report.at("/charts")).extracting(JsonNode::asText).contains("Anytime");
    assertThat(store.resolve("budget/r/evaluate/plots/anytime.png")).isNotEmptyFile();
    assertThat(report.at("/budget/classic_ml/anytime")).isEqualTo(cards("train-ml").at("/anytime"));
    assertThat(report.at("/budget/deep_learning/anytime")).isEqualTo(cards("train-dl").at("/anytime"));
    assertThat(report.at("/budget/crossing").asText()).containsAnyOf("classic ML ahead", "deep learning ahead");
    assertThat(report.at("/head_to_head").findValuesAsText("classic_ml"))
        .anyMatch(cell -> cell.matches("used \\d+ s of a 36 s budget on \\d+ task slots?, no GPU.*"));
  }

  @Test
  void aBudgetTooSmallForEverythingStillDeliversEachFamilysCheapestModelAndNamesWhatItLeftOut() throws IOException {
    assertThat(Cli.duet("ingest", config, store, "tiny").exitCode()).isZero();
    for (String stage : List.of("train-ml", "train-dl")) {
      Cli run = Cli.duet(stage, config, store, "tiny", "--budget", "1s");
      assertThat(run.exitCode()).as(run.err()).isZero();
      JsonNode cards = json(store.resolve("budget/tiny/" + stage + "/model-cards.json"));
      assertThat(cards.at("/models").size()).as(stage + ": its first model, cheapest").isEqualTo(1);
      assertThat(cards.at("/not_trained").findValuesAsText("reason")).isNotEmpty()
          .allMatch(reason -> reason.startsWith("budget: "));
      assertThat(run.out()).contains("not trained: budget: ");
    }
  }

  @Test
  void aBudgetThatIsNotADurationIsOneLineAndExitTwo() {
    Cli run = Cli.duet("train-ml", config, store, "r", "--budget", "soon");
    assertThat(run.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(run.errLines()).containsExactly("duet train-ml: --budget: Cannot read budget 'soon': give a duration"
        + " such as 90s, 4m, 1h or 1h30m, or none");
  }

  @Test
  void aStageResumedAfterAFailedAttemptSpendsOnlyWhatIsLeft() throws IOException {
    assertThat(Cli.duet("ingest", config, store, "resumed").exitCode()).isZero();
    System.setProperty("duet.train-dl.fail-after-epoch", "mlp:3");
    long t0 = System.nanoTime();
    Cli failed;
    try {
      failed = Cli.duet("train-dl", config, store, "resumed", "--budget", "8s");
    } finally {
      System.clearProperty("duet.train-dl.fail-after-epoch");
    }
    double first = (System.nanoTime() - t0) / 1e9;
    assertThat(failed.exitCode()).isEqualTo(1);
    Cli resumed = Cli.duet("train-dl", config, store, "resumed", "--budget", "8s");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    JsonNode spend = json(store.resolve("budget/resumed/train-dl/model-cards.json")).at("/spend");
    assertThat(spend.at("/seconds").asDouble()).as("both attempts, by the ledger").isGreaterThan(first / 2)
        .isLessThanOrEqualTo(8 + OVERHEAD_SECONDS);
    assertThat(json(store.resolve("budget/resumed/train-dl/train-dl.json")).at("/networks/0/resumed_from_epoch").asInt())
        .as("the second attempt went on from the failed one's checkpoint").isEqualTo(3);
  }

  private JsonNode cards(String stage) throws IOException {
    return json(store.resolve("budget/r/" + stage + "/model-cards.json"));
  }

  private static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }
}
