package dev.duet.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SharedIngest;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * duet score on the real flights data at test size (testing/TestData): a run trained at test size (MLlib GBT and an MLP), then
 * rows of its test split, held out of training, scored as new data by the blessed model and by
 * the network.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoreCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp;
  private Path store;
  private String config;
  /** About 1 in 4 rows of the test split (some 7,500), each with its row id as the key column {@code flight}. */
  private Dataset<Row> heldOut;

  @BeforeAll
  void trainFlightsAndHoldOutTestRows() throws IOException {
    store = tmp.resolve("store");
    config = TestData.shipped("flights.yaml", """
        train_ml:
          features: {categorical: [origin, destination], numeric: [distance], datetime: {date: [hour, weekday, month]}}
          max_train_rows: 20000
          algorithms:
            gbt: {maxIter: [10], maxDepth: [4]}
        train_dl:
          features: {numeric: [distance, hour, weekday, month], categorical: [origin, destination]}
          hidden: [16]
          max_train_rows: 20000
          epochs: 1
          batch_size: 256
        score:
          keys: [flight]
        """);
    SharedIngest.into(store, "trained", config, spark);
    Cli run = Cli.duet(tmp, "run", config, store, "trained");
    assertThat(run.exitCode()).as(run.err()).isZero();
    heldOut = spark.read().parquet(store.resolve("flights/trained/ingest/clean").toString())
        .where(col("split").equalTo("test").and(pmod(xxhash64(col("row_id")), lit(4)).equalTo(0)))
        .select(col("row_id").as("flight"), col("date"), col("delay"), col("distance"), col("origin"),
            col("destination"));
  }

  @Test
  void theBlessedModelScoresHeldOutRowsExactlyAsItsTrainingRunPredictedThem() throws IOException {
    Path input = write("held-out", heldOut);
    Cli r = score("blessed", input);
    assertThat(r.exitCode()).as(r.err()).isZero();
    String blessed = json(store.resolve("flights/trained/evaluate/blessing.json")).at("/best_model").asText();
    assertThat(r.out()).contains("predicted by trained/" + blessed);
    Path out = store.resolve("flights/score/blessed");
    assertThat(out.resolve("_SUCCESS")).isRegularFile();
    String stage = blessed.startsWith("dl:") ? "train-dl" : "train-ml";
    assertSameAsTraining(out, store.resolve("flights/trained/" + stage + "/predictions/" + blessed.replace("dl:", "")));
    JsonNode lineage = json(out.resolve("manifest.json"));
    assertThat(lineage.at("/lineage/model").asText()).isEqualTo("trained/" + blessed);
    assertThat(lineage.at("/inputs/0/rows").asLong()).isEqualTo(heldOut.count());
    assertThat(lineage.at("/inputs/0/hash/sha256").asText()).hasSize(64);
  }

  @Test
  void theNetworkScoresHeldOutRowsAsItsTrainingRunPredictedThem() throws IOException {
    Path input = write("held-out-dl", heldOut);
    Cli r = score("network", input, "--model", "trained/dl:mlp");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertSameAsTraining(store.resolve("flights/score/network"), store.resolve("flights/trained/train-dl/predictions/mlp"));
  }

  @Test
  void rowsThatBreakTheTrainingRunsRulesForTheModelsColumnsAreQuarantinedAndGapsGetItsMedian() throws IOException {
    StructType schema = heldOut.schema();
    List<Row> rows = new ArrayList<>(heldOut.limit(20).collectAsList());
    Row first = rows.get(0);
    rows.add(RowFactory.create(-1L, first.get(1), first.get(2), 0, first.get(4), first.get(5)));         // below min 1
    rows.add(RowFactory.create(-2L, first.get(1), first.get(2), first.get(3), "TOOLONG", first.get(5))); // pattern
    rows.add(RowFactory.create(-3L, first.get(1), first.get(2), first.get(3), first.get(4), "x"));       // pattern
    rows.add(RowFactory.create(-5L, first.get(1), null, first.get(3), first.get(4), first.get(5)));      // no label yet
    rows.add(RowFactory.create(-4L, first.get(1), first.get(2), null, first.get(4), first.get(5)));      // imputed
    Path input = write("broken", spark.createDataFrame(rows, schema));
    Cli r = score("broken", input, "--model", "trained/gbt");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("flights/score/broken");
    assertThat(spark.read().parquet(out.resolve("quarantine").toString()).select("rule").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("range:distance", "pattern:origin", "pattern:destination");
    Dataset<Row> predicted = spark.read().parquet(out.resolve("predictions").toString());
    assertThat(predicted.count()).isEqualTo(22);
    assertThat(predicted.where(col("flight").equalTo("-4")).count()).as("the gap imputed, the row scored").isEqualTo(1);
    assertThat(predicted.where(col("flight").equalTo("-5")).select("label").first().isNullAt(0))
        .as("delay is the label's column, not the model's: an empty one is no reason to quarantine").isTrue();
    double median = json(store.resolve("flights/trained/ingest/quality.json")).at("/imputed_medians/distance").asDouble();
    assertThat(median).isGreaterThan(1);
    JsonNode quality = json(out.resolve("manifest.json")); // outputs: predictions, quarantine, …
    assertThat(quality.at("/outputs/1/rows").asLong()).isEqualTo(3);
  }

  @Test
  void aCopyOfTheTestSplitShowsNoDriftAndAShiftedColumnAndAnUnseenCategoryAreFlagged() throws IOException {
    Cli same = score("no-drift", write("same", heldOut), "--model", "trained/gbt", "--fail-on-drift");
    assertThat(same.exitCode()).as(same.out() + same.err()).isZero();
    JsonNode calm = json(store.resolve("flights/score/no-drift/drift.json"));
    assertThat(calm.at("/flagged")).as(calm.toPrettyString()).isEmpty();
    assertThat(calm.at("/columns").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("distance", "origin", "destination", "hour", "weekday", "month", "day", "delay");
    assertThat(calm.at("/not_compared/date").asText()).contains("time column");

    Dataset<Row> shifted = heldOut.withColumn("distance", col("distance").multiply(2))
        .withColumn("origin", when(pmod(col("flight"), lit(3)).equalTo(0), lit("ZZZ")).otherwise(col("origin")));
    Cli drifted = score("drifted", write("shifted", shifted), "--model", "trained/gbt", "--fail-on-drift");
    assertThat(drifted.exitCode()).as("published, then exit 3: " + drifted.err()).isEqualTo(3);
    Path out = store.resolve("flights/score/drifted");
    assertThat(out.resolve("_SUCCESS")).isRegularFile();
    JsonNode drift = json(out.resolve("drift.json"));
    List<String> flaggedColumns = new ArrayList<>();
    drift.at("/columns").fields().forEachRemaining(e -> {
      if (e.getValue().at("/flagged").asBoolean()) {
        flaggedColumns.add(e.getKey());
      }
    });
    assertThat(flaggedColumns).as(drift.toPrettyString()).containsExactlyInAnyOrder("distance", "origin");
    assertThat(drift.at("/columns/distance/psi").asDouble()).isGreaterThan(0.2);
    assertThat(drift.at("/columns/distance/ks").asDouble()).isGreaterThan(0.1);
    assertThat(drift.at("/columns/origin/unseen_categories").asInt()).isEqualTo(1);
    assertThat(drift.at("/columns/origin/unseen_rate").asDouble()).isBetween(0.25, 0.42);
    assertThat(drift.at("/prediction/psi").isNumber()).isTrue();
    String html = Files.readString(out.resolve("report.html"));
    assertThat(html).contains("Drift flagged", "<svg", "(unseen)").contains("<h2>distance</h2>", "<h2>origin</h2>")
        .doesNotContain("<h2>destination</h2>");
  }

  @Test
  void aMissingModelAModelOfAnotherPipelineAndAnInputWithoutANeededColumnExitTwoWithOneLine() throws IOException {
    Path input = write("refusals", heldOut.limit(50));
    Cli missing = score("r1", input, "--model", "trained/random_forest");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errLines()).singleElement().asString().contains("has no finished model random_forest");

    Cli noRun = score("r2", input, "--model", "elsewhere/gbt");
    assertThat(noRun.exitCode()).isEqualTo(2);
    assertThat(noRun.errLines()).singleElement().asString().contains("has no run elsewhere", "another pipeline");

    // The same run, filed under another pipeline's name: its ingest says whose it is.
    Path other = tmp.resolve("other-store");
    Path run = store.resolve("flights/trained");
    for (String part : List.of("ingest/config.yaml", "ingest/quality.json", "ingest/_SUCCESS")) {
      Files.createDirectories(other.resolve("delays/trained/" + part).getParent());
      Files.copy(run.resolve(part), other.resolve("delays/trained/" + part));
    }
    Dirs.copyTree(run.resolve("train-ml"), other.resolve("delays/trained/train-ml"));
    Cli foreign = Cli.duet(tmp, "score", config.replace("pipeline: flights", "pipeline: delays"), other, "r3",
        "--input", input.toString(), "--model", "trained/gbt");
    assertThat(foreign.exitCode()).isEqualTo(2);
    assertThat(foreign.errLines()).singleElement().asString().contains("was ingested as pipeline flights, not delays");

    Path lacking = write("no-distance", heldOut.drop("distance").limit(50));
    Cli noColumn = score("r4", lacking, "--model", "trained/gbt");
    assertThat(noColumn.exitCode()).isEqualTo(2);
    assertThat(noColumn.errLines()).singleElement().asString().contains("lacks [distance]", "trained/gbt");
    assertThat(store.resolve("flights/score/r4")).as("nothing published").doesNotExist();
  }

  /** The scored predictions, joined on the key, equal the training run's predictions of the same rows. */
  private void assertSameAsTraining(Path scored, Path trained) {
    Dataset<Row> now = spark.read().parquet(scored.resolve("predictions").toString());
    Dataset<Row> then = spark.read().parquet(trained.toString());
    assertThat(now.columns()).contains("flight", "row_id", "label", "prediction", "probability");
    assertThat(now.count()).isEqualTo(heldOut.count());
    List<Row> pairs = now.join(then, now.col("flight").cast(DataTypes.LongType).equalTo(then.col("row_id")))
        .select(now.col("prediction"), then.col("prediction"), now.col("probability"), then.col("probability"),
            now.col("label"), then.col("label"))
        .collectAsList();
    assertThat(pairs).hasSize((int) heldOut.count());
    for (Row p : pairs) {
      assertThat(p.getDouble(0)).isEqualTo(p.getDouble(1));
      List<Double> a = p.getList(2);
      List<Double> b = p.getList(3);
      for (int i = 0; i < a.size(); i++) {
        assertThat(a.get(i)).isCloseTo(b.get(i), org.assertj.core.data.Offset.offset(1e-6));
      }
      assertThat(p.getDouble(4)).as("the label, derived from delay as in training").isEqualTo(p.getDouble(5));
    }
  }

  private Path write(String name, Dataset<Row> rows) {
    Path dir = tmp.resolve("input-" + name);
    rows.coalesce(1).write().parquet(dir.toString());
    return dir;
  }

  private Cli score(String runId, Path input, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("--input", input.toString()));
    args.addAll(List.of(extra));
    return Cli.duet(tmp, "score", config, store, runId, args.toArray(String[]::new));
  }

  private static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }
}
