package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.Cli;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.sql.Encoders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table nothing meaningful can be trained on stops both branches before the first fit, with
 * exit 2 and one line naming the counts and what would do: never an MLlib or DL4J exception.
 * The tables are 200 generated rows (or slices of them); the split hashes the id alone, so every
 * table here splits its ids alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TooLittleDataTest {
  private static final String TEMPLATE = """
      pipeline: %s
      task: %s
      label: %s
      input: {path: "%s", format: csv}
      columns:
        - {name: id, type: int}
        - {name: x, type: double}
        - {name: y, type: int}
      split: {key: [id], test_fraction: 0.2, seed: 42}
      train_ml:
        features: {numeric: [x]}
      %s
      train_dl:
        features: {numeric: [x]}
        hidden: [8]
        epochs: 1
        batch_size: %d
      """;
  @TempDir
  static Path tmp; // one per class: the two hundred rows' ingest serves every test
  private Path store;
  private List<Integer> testIds;
  private List<Integer> trainIds;

  @BeforeAll
  void ingestTheTwoHundredRows() throws IOException {
    store = tmp.resolve("store");
    ingest("all", "classification", "y", rows(200, i -> String.valueOf(i % 7 < 3 ? 0 : 1)),
        "algorithms: {decision_tree: {}}", 64);
    List<Integer> ids = SparkTestSession.get().read().parquet(store.resolve("all/r/ingest/clean").toString())
        .where("split = 'test'").select("id").as(Encoders.INT()).collectAsList();
    testIds = ids;
    trainIds = java.util.stream.IntStream.range(0, 200).boxed().filter(i -> !ids.contains(i)).toList();
  }

  @Test
  void oneCleanTrainRowStopsBothBranches() throws IOException {
    String oneRow = "id,x,y\n" + trainIds.get(0) + ",1.5,1\n";
    ingest("one", "regression", "y", oneRow, "algorithms: {linear: {}}", 64);
    assertThat(train("train-ml", "one")).containsExactly("duet train-ml: Too little data to train on: 1 labelled"
        + " train rows; a model needs at least 10: gather more rows, or lower split.test_fraction");
    assertThat(train("train-dl", "one")).containsExactly("duet train-dl: Too little data to train on: 1 labelled"
        + " train rows; network mlp's validation slice (validation_fraction 0.1: about 0 rows) needs at least 10:"
        + " raise its validation_fraction, or gather more rows, or lower split.test_fraction");
  }

  @Test
  void aLabelWithOneClassOrNoValueStopsBothBranches() throws IOException {
    ingest("const", "classification", "y", rows(200, i -> "1"), "algorithms: {decision_tree: {}}", 64);
    for (String stage : new String[] {"train-ml", "train-dl"}) {
      assertThat(train(stage, "const")).containsExactly("duet " + stage + ": Label y has one class (1.0) in all "
          + trainIds.size() + " labelled train rows: a classifier needs at least two");
    }
    // Labels on test rows only (ingest refuses a column that is null in every row).
    ingest("none", "classification", "y", rows(200, i -> testIds.contains(i) ? "1" : ""),
        "algorithms: {decision_tree: {}}", 64);
    assertThat(train("train-ml", "none")).containsExactly(
        "duet train-ml: Label y is null in all " + trainIds.size() + " train rows: nothing to learn from");
    assertThat(store.resolve("const/r/train-ml")).as("nothing published").doesNotExist();
  }

  @Test
  void aClassWithNoTrainRowStopsBothBranches() throws IOException {
    int unseen = testIds.get(0);
    ingest("unseen", "classification", "y", rows(200, i -> i == unseen ? "2" : String.valueOf(i % 2)),
        "algorithms: {decision_tree: {}}", 64);
    for (String stage : new String[] {"train-ml", "train-dl"}) {
      assertThat(train(stage, "unseen")).containsExactly("duet " + stage + ": Label y's class 2.0 has 1 test row(s)"
          + " and no train row among the " + trainIds.size() + " labelled train rows: no model can learn a class it"
          + " never sees; gather more of its rows, or leave its rows out (a derived label or a filter in the config)");
    }
  }

  @Test
  void fewerRowsThanAMinibatchOrAValidationSliceStopBeforeTheFirstFit() throws IOException {
    int fit = Math.toIntExact(trainIds.size() - Math.round(trainIds.size() * 0.1));
    ingest("batch", "classification", "y", rows(200, i -> String.valueOf(i % 7 < 3 ? 0 : 1)),
        "algorithms: {decision_tree: {maxDepth: [2, 4]}}\n  max_train_rows: 40", 256);
    assertThat(train("train-dl", "batch")).containsExactly("duet train-dl: Too little data to train on: "
        + trainIds.size() + " labelled train rows; network mlp fits on about " + fit + " of them, and one minibatch"
        + " (batch_size 256) needs at least 256: set its batch_size to at most " + fit + ", or gather more rows, or"
        + " lower split.test_fraction");
    assertThat(train("train-ml", "batch")).containsExactly("duet train-ml: Too little data to train on:"
        + " max_train_rows 40 of the " + trainIds.size() + " labelled train rows; decision_tree's tuning validates on"
        + " 1 - train_ratio 0.8 of them (about 8) and needs at least 10: raise train_ml.max_train_rows, lower"
        + " train_ml.tuning.train_ratio, or give decision_tree one candidate");
    assertThat(store.resolve("batch/r/train-dl")).as("nothing published").doesNotExist();
  }

  /** The lines of a failed training stage, after checking that it exited with 2. */
  private List<String> train(String stage, String pipeline) {
    Cli r = Cli.duet(stage, tmp.resolve(pipeline + ".yaml"), store, "r");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(DuetMain.USAGE);
    return r.errLines();
  }

  private void ingest(String pipeline, String task, String label, String csv, String trainMl, int batchSize)
      throws IOException {
    Path data = Files.writeString(tmp.resolve(pipeline + ".csv"), csv);
    Path config = Files.writeString(tmp.resolve(pipeline + ".yaml"),
        TEMPLATE.formatted(pipeline, task, label, data, "  " + trainMl, batchSize));
    Cli r = Cli.duet("ingest", config, store, "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  /** Ids 0..n-1, x = id % 7, y as {@code label} says (blank: no label). */
  private static String rows(int n, IntFunction<String> label) {
    StringBuilder csv = new StringBuilder("id,x,y\n");
    for (int i = 0; i < n; i++) {
      csv.append(i).append(',').append(i % 7).append(',').append(label.apply(i)).append('\n');
    }
    return csv.toString();
  }
}
