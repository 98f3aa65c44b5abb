package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate and run: a generated pipeline (one input column is named like an XSS payload) run once
 * for the class. Whole runs on real data: the MNIST digits in StandaloneClusterLocalModeIT (local
 * mode, against the cluster), the flights through Airflow (pipelines/tests); evaluate over the
 * flights' boosters: TrainMlFlightsAndBoostersCommandTest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateCommandTest {
  private static final String SCRIPT = "<script>alert(1)</script>";
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path tmp;
  private Path store;
  private String xss;

  @BeforeAll
  void runTheGeneratedPipelineOnce() throws IOException {
    store = tmp.resolve("store");
    Path csv = tmp.resolve("xss.csv");
    StringBuilder rows = new StringBuilder("x,\"" + SCRIPT + "\",y\n");
    Random r = new Random(3);
    for (int i = 0; i < 1_500; i++) {
      double x = r.nextDouble();
      double s = r.nextDouble();
      rows.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", x, s, x + 2 * s + 0.3 * r.nextGaussian() > 1.5 ? 1 : 0));
    }
    Files.writeString(csv, rows);
    xss = """
        pipeline: xss
        task: classification
        label: y
        input: {path: "%s", format: csv, options: {header: "true"}}
        columns:
          - {name: x, type: double}
          - {name: "%s", type: double}
          - {name: y, type: int}
        train_ml:
          features: {numeric: [x, "%s"]}
          algorithms: {decision_tree: {maxDepth: [3]}, linear: {maxIter: [10]}}
        train_dl:
          features: {numeric: [x, "%s"]}
          hidden: [8]
          epochs: 2
        evaluate:
          learning_curve: [0.3]
        """.formatted(csv, SCRIPT, SCRIPT, SCRIPT);
    Cli first = run(xss, "run", "first");
    assertThat(first.exitCode()).as(first.err()).isZero();
  }

  @Test
  void aFullRunReportsEveryModelTheHeadToHeadAndARecommendation() throws IOException {
    Path out = store.resolve("xss/first/evaluate");
    String html = Files.readString(out.resolve("report.html"));
    assertThat(html).contains("decision_tree", "linear", "dl:mlp")
        .contains("Classic ML vs deep learning", "Data needed", "Feature engineering", "Compute", "Training time",
            "Interpretability", "Performance (roc_auc, test split)")
        .contains("Recommendation").contains("Blessed");
    assertThat(html.split("data:image/png;base64,", -1))
        .as("ROC, score vs time, 2 confusion matrices, training curve, permutation importance, learning curve, anytime")
        .hasSize(9);
    assertThat(html).as("the column name is escaped wherever it appears").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain(SCRIPT);
    JsonNode report = json(out.resolve("report.json"));
    assertThat(report.at("/leaderboard")).extracting(e -> e.at("/model").asText())
        .containsExactlyInAnyOrder("decision_tree", "linear", "dl:mlp");
    assertThat(report.at("/leaderboard/0/score").asDouble()).isGreaterThan(0.8);
    assertThat(report.at("/leaderboard")).as("each model's interpretability, as its training stage's card gives it")
        .extracting(e -> e.at("/model").asText() + " " + e.at("/interpretability").asText())
        .containsExactlyInAnyOrder("decision_tree high", "linear high", "dl:mlp low");
    assertThat(report.at("/recommendation/verdict").asText()).startsWith("Use ");
    assertThat(report.at("/head_to_head")).hasSize(11);
    assertThat(report.at("/budget/deep_learning/anytime")).as("a point per epoch, without a budget too").hasSize(2);
    assertThat(report.at("/budget/classic_ml/anytime")).as("one candidate each: nothing validated").isEmpty();
    assertThat(report.at("/budget/crossing").asText()).isEqualTo("no anytime trace of classic ML to compare");
    assertThat(report.at("/no_skill_baseline/score").asDouble()).as("a constant score ranks no row above another")
        .isEqualTo(0.5);
    assertThat(report.at("/no_skill_baseline/predicts").asText()).contains("majority class");
    JsonNode linear = report.at("/leaderboard").findParents("model").stream()
        .filter(e -> e.at("/model").asText().equals("linear")).findFirst().orElseThrow();
    assertThat(linear.at("/lift/estimate").asDouble()).isCloseTo(linear.at("/score").asDouble() - 0.5,
        org.assertj.core.data.Offset.offset(1e-9));
    assertThat(linear.at("/lift/low").asDouble()).as("well above chance").isPositive()
        .isLessThan(linear.at("/lift/estimate").asDouble());
    assertThat(linear.at("/learned").asBoolean()).isTrue();
    assertThat(report.at("/deep_over_classic/low").isNumber()).isTrue();
    assertThat(report.at("/winner").asText()).isIn("classic", "deep", "tie");
    assertThat(html).contains("no-skill baseline", "lift over no skill");
    JsonNode curves = report.at("/learning_curve");
    assertThat(curves.size()).as("the best classic model and the network").isEqualTo(2);
    curves.forEach(points -> {
      assertThat(points).extracting(p -> p.at("/fraction").asDouble()).containsExactly(0.3, 1.0);
      assertThat(points.get(0).at("/train_rows").asLong()).isLessThan(points.get(1).at("/train_rows").asLong() / 2);
      // A defined AUC; not necessarily a good one: 2 epochs on ~300 rows can leave a network near its random start.
      assertThat(points.get(0).at("/score").isNumber()).isTrue();
      assertThat(points.get(0).at("/score").asDouble()).isBetween(0.0, 1.0);
    });
    for (String stage : List.of("train-ml", "train-dl")) {
      Path trained = store.resolve("xss/first/" + stage);
      assertThat(trained.resolve("_learning-curve")).as("the training stage measured it; its refits leave nothing")
          .doesNotExist();
      assertThat(json(trained.resolve("model-cards.json")).at("/models")).as(stage + " hands evaluate one card per model")
          .filteredOn(card -> !card.at("/learning_curve").isEmpty()).hasSize(1);
    }
    assertThat(out.resolve("plots/roc-curves.png")).isRegularFile();
    assertThat(json(out.resolve("blessing.json")).at("/blessed").asBoolean()).as("nothing to beat yet").isTrue();
    JsonNode lineage = json(out.resolve("manifest.json")).at("/lineage");
    assertThat(lineage.at("/ingest/inputs/0/rows").asLong()).isEqualTo(1_500);
    assertThat(lineage.at("/train-ml/config_sha256").asText()).hasSize(64);
    assertThat(lineage.at("/models")).hasSize(3).allSatisfy(m -> assertThat(m.at("/hash/sha256").asText()).hasSize(64));
  }

  @Test
  void aRunThatDoesNotBeatTheBlessedRunIsNotBlessed() throws IOException {
    // The first run's trained outputs evaluated again as run same-again: the same scores by construction.
    for (String stage : List.of("ingest", "train-ml", "train-dl")) {
      Dirs.copyTree(store.resolve("xss/first/" + stage), store.resolve("xss/same-again/" + stage));
    }
    Cli again = run(xss, "evaluate", "same-again");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("not blessed");
    JsonNode blessing = json(store.resolve("xss/same-again/evaluate/blessing.json"));
    assertThat(blessing.at("/blessed").asBoolean()).isFalse();
    assertThat(blessing.at("/compared_with_run").asText()).isEqualTo("first");
    assertThat(blessing.at("/reason").asText()).contains("does not beat the last blessed run first");
    assertThat(json(store.resolve("xss/first/evaluate/leaderboard-row.json")).at("/blessed").asBoolean()).isTrue();
    assertThat(json(store.resolve("xss/same-again/evaluate/leaderboard-row.json")).at("/blessed").asBoolean()).isFalse();
  }

  @Test
  void oneBranchAloneIsEvaluatedAndAnUnfinishedOneIsReportedMissing() throws IOException {
    Dirs.copyTree(store.resolve("xss/first/ingest"), store.resolve("xss/partial/ingest"));
    Dirs.copyTree(store.resolve("xss/first/train-ml"), store.resolve("xss/partial/train-ml"));
    Dirs.copyTree(store.resolve("xss/first/train-dl"), store.resolve("xss/partial/train-dl"));
    Files.delete(store.resolve("xss/partial/train-dl/_SUCCESS")); // as a crashed train-dl leaves it
    Cli r = run(xss, "evaluate", "partial");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode report = json(store.resolve("xss/partial/evaluate/report.json"));
    assertThat(report.at("/leaderboard")).extracting(e -> e.at("/family").asText()).containsOnly("classic ML");
    assertThat(report.at("/missing/0").asText()).startsWith("train-dl: did not finish");
    assertThat(report.at("/recommendation/reasons/0").asText()).startsWith("No-skill baseline (");
    assertThat(report.at("/recommendation/reasons/1").asText()).contains("no head-to-head");
    assertThat(report.has("winner")).as("one family: no winner").isFalse();
    assertThat(Files.readString(store.resolve("xss/partial/evaluate/report.html"))).contains("Missing branches")
        .contains("no finished train-dl");
  }

  @Test
  void aLabelIndependentOfEveryFeatureBlessesNothingAndTheReportSaysNoModelLearned() throws IOException {
    Path csv = tmp.resolve("noise.csv");
    StringBuilder rows = new StringBuilder("x,s,y\n");
    Random r = new Random(11);
    for (int i = 0; i < 1_000; i++) {
      rows.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", r.nextDouble(), r.nextDouble(), r.nextInt(2)));
    }
    Files.writeString(csv, rows);
    String noise = """
        pipeline: noise
        task: classification
        label: y
        input: {path: "%s", format: csv}
        columns: [{name: x, type: double}, {name: s, type: double}, {name: y, type: int}]
        train_ml:
          features: {numeric: [x, s]}
          algorithms: {decision_tree: {maxDepth: [3]}, linear: {maxIter: [10]}}
        """.formatted(csv);
    Cli run = run(noise, "run", "shuffled");
    assertThat(run.exitCode()).as(run.err()).isZero();
    Path out = store.resolve("noise/shuffled/evaluate");
    JsonNode report = json(out.resolve("report.json"));
    assertThat(report.at("/learned").asBoolean()).isFalse();
    assertThat(report.at("/leaderboard")).allSatisfy(e -> {
      assertThat(e.at("/learned").asBoolean()).isFalse();
      assertThat(e.at("/lift/low").asDouble()).as("chance is inside the interval").isNegative();
    });
    assertThat(report.at("/recommendation/model").isNull()).isTrue();
    assertThat(report.at("/recommendation/verdict").asText()).startsWith("No model learned anything useful");
    JsonNode blessing = json(out.resolve("blessing.json"));
    assertThat(blessing.at("/blessed").asBoolean()).as("the first run, with no bar to beat, is still not blessed")
        .isFalse();
    assertThat(blessing.at("/reason").asText()).startsWith("No model learned anything useful: the best, ");
    assertThat(store.resolve("noise/blessings")).as("no claim on the bar").doesNotExist();
  }

  @Test
  void evaluatingARunWithNoTrainedModelIsOneLineAndExitTwo() throws IOException {
    Dirs.copyTree(store.resolve("xss/first/ingest"), store.resolve("xss/untrained/ingest"));
    Cli r = run(xss, "evaluate", "untrained");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).singleElement().asString()
        .startsWith("duet evaluate: Run untrained of xss has no finished training branch to evaluate");
  }

  private static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }


  private Cli run(String config, String command, String runId) throws IOException {
    return Cli.duet(tmp, command, config, store, runId);
  }
}
