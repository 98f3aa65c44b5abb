package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** train-dl on the real MNIST digits, ingested once for the class; local[2], two workers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainDlCommandTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private Path store;

  @BeforeAll
  void ingestMnist() throws IOException {
    store = tmp.resolve("store");
    assertThat(run("ingest", mnist(), "r").exitCode()).isZero();
  }

  @Test
  void theReferenceMlpLearnsTheDigitsWithTwoWorkers() throws IOException {
    long start = System.nanoTime();
    Cli r = run("train-dl", mnist(), "r");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("mnist/r/train-dl");
    Dataset<Row> p = spark.read().parquet(out.resolve("predictions").toString());
    long test = spark.read().parquet(store.resolve("mnist/r/ingest/clean").toString()).where("split = 'test'").count();
    assertThat(p.count()).isEqualTo(test);
    double accuracy = (double) p.where("label = prediction").count() / p.count();
    JsonNode summary = new ObjectMapper().readTree(out.resolve("train-dl.json").toFile());
    System.out.printf("mnist MLP: %d epochs (best %d), %.1f s, test accuracy %.4f%n",
        summary.at("/epochs_run").asInt(), summary.at("/best_epoch").asInt(), seconds, accuracy);
    assertThat(accuracy).as("MLP test accuracy").isGreaterThanOrEqualTo(0.93);
    assertThat(summary.at("/curve")).isNotEmpty().allSatisfy(e -> {
      assertThat(e.at("/validation_accuracy").asDouble()).isBetween(0.5, 1.0);
      assertThat(e.at("/samples_per_second").asDouble()).isPositive();
    });
    assertThat(out.resolve("network.zip")).isRegularFile();
    assertThat(org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(out.resolve("network.zip").toFile())
        .numParams()).as("784-256-128-10").isEqualTo(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    assertThat(out.resolve("checkpoints/state.json")).isRegularFile();
    assertThat(p.first().<Object>getAs("probability")).isNotNull();
  }

  @Test
  void aRerunResumesFromTheLastCheckpointAndFinishesTheConfiguredEpochs() throws IOException {
    String config = mnist().replace("epochs: 8", "epochs: 2").replace("patience: 3", "patience: 5");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/resume/ingest")); // the same ingest, another run
    System.setProperty("duet.train-dl.fail-after-epoch", "1");
    Cli failed;
    try {
      failed = run("train-dl", config, "resume");
    } finally {
      System.clearProperty("duet.train-dl.fail-after-epoch");
    }
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(store.resolve("mnist/resume/train-dl.checkpoints/epoch-1.zip")).as("epoch 1 survived").isRegularFile();
    assertThat(store.resolve("mnist/resume/train-dl")).as("nothing published").doesNotExist();

    Cli resumed = run("train-dl", config, "resume");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("train-dl: 2 epochs").contains("resumed after epoch 1");
    JsonNode summary = new ObjectMapper().readTree(store.resolve("mnist/resume/train-dl/train-dl.json").toFile());
    assertThat(summary.at("/resumed_from_epoch").asInt()).isEqualTo(1);
    assertThat(summary.at("/epochs_run").asInt()).isEqualTo(2);
    assertThat(summary.at("/curve")).extracting(e -> e.at("/epoch").asInt()).containsExactly(1, 2);
  }

  @Test
  void checkpointsOfAnotherNetworkAreNotResumed() throws IOException {
    String small = mnist().replace("epochs: 8", "epochs: 2").replace("patience: 3", "patience: 5")
        .replace("  hidden:", "  max_train_rows: 2000\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/changed/ingest"));
    System.setProperty("duet.train-dl.fail-after-epoch", "1");
    try {
      assertThat(run("train-dl", small, "changed").exitCode()).isEqualTo(1);
    } finally {
      System.clearProperty("duet.train-dl.fail-after-epoch");
    }
    assertThat(store.resolve("mnist/changed/train-dl.checkpoints/epoch-1.zip")).isRegularFile();

    Cli r = run("train-dl", small.replace("hidden: [256, 128]", "hidden: [64]"), "changed");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("mnist/changed/train-dl");
    JsonNode summary = new ObjectMapper().readTree(out.resolve("train-dl.json").toFile());
    assertThat(summary.at("/discarded_checkpoints_of_another_config").asBoolean()).isTrue();
    assertThat(summary.at("/resumed_from_epoch").asInt()).isZero();
    assertThat(summary.at("/curve")).extracting(e -> e.at("/epoch").asInt()).containsExactly(1, 2);
    assertThat(org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(out.resolve("network.zip").toFile())
        .numParams()).as("784-64-10").isEqualTo(784 * 64 + 64 + 64 * 10 + 10);
  }

  @Test
  void theLeNetCnnReadsTheDigitsBetter() throws IOException {
    String config = mnist().replace("network: mlp", "network: cnn\n  image: {height: 28, width: 28, channels: 1}")
        .replace("epochs: 8", "epochs: 5");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/cnn/ingest"));
    long start = System.nanoTime();
    Cli r = run("train-dl", config, "cnn");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Dataset<Row> p = spark.read().parquet(store.resolve("mnist/cnn/train-dl/predictions").toString());
    double accuracy = (double) p.where("label = prediction").count() / p.count();
    System.out.printf("mnist CNN: 5 epochs, %.1f s, test accuracy %.4f%n", (System.nanoTime() - start) / 1e9, accuracy);
    assertThat(accuracy).as("CNN test accuracy").isGreaterThanOrEqualTo(0.96);
  }

  @Test
  void oneWorkerWithTheSameSeedTrainsTheSameNetworkTwice() throws IOException {
    String config = mnist().replace("workers: 2", "workers: 1").replace("epochs: 8", "epochs: 1");
    List<org.nd4j.linalg.api.ndarray.INDArray> params = new ArrayList<>();
    for (String runId : List.of("same-1", "same-2")) {
        Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/" + runId + "/ingest"));
      assertThat(run("train-dl", config, runId).exitCode()).isZero();
      params.add(org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
          store.resolve("mnist/" + runId + "/train-dl/network.zip").toFile()).params());
    }
    assertThat(params.get(0).equalsWithEps(params.get(1), 0.0)).as("identical parameters").isTrue();
  }

  @Test
  void anMlpOverFlightsColumnsRanksDelaysAboveChance() throws IOException {
    String config = flights();
    Cli r = run("train-dl", config, "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Dataset<Row> p = spark.read().parquet(store.resolve("flights/r/train-dl/predictions").toString());
    double auc = new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator().setRawPredictionCol("v")
        .evaluate(p.withColumn("v", org.apache.spark.ml.functions.array_to_vector(p.col("probability"))));
    System.out.printf("flights MLP (60k train rows, 2 epochs) test AUC %.4f%n", auc);
    assertThat(auc).isGreaterThan(0.55);
    assertThat(p.count()).isEqualTo(spark.read().parquet(store.resolve("flights/r/ingest/clean").toString())
        .where("split = 'test'").count());
  }

  @Test
  void aRegressionHeadPredictsDelayMinutesBetterThanTheMean() throws IOException {
    // The same ingested rows; only the label changes (delay in minutes) and train_ml is left out.
    String config = flights().replace("task: classification", "task: regression").replace("label: delayed", "label: delay")
        .replaceAll("(?s)\ntrain_ml:.*?\n(?=train_dl:)", "\n");
    Dirs.copyTree(store.resolve("flights/r/ingest"), store.resolve("flights/delay/ingest"));
    Cli r = run("train-dl", config, "delay");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Dataset<Row> clean = spark.read().parquet(store.resolve("flights/r/ingest/clean").toString());
    double trainMean = clean.where("split = 'train'").agg(org.apache.spark.sql.functions.avg("delay")).first().getDouble(0);
    Dataset<Row> p = spark.read().parquet(store.resolve("flights/delay/train-dl/predictions").toString());
    double rmse = Math.sqrt(p.selectExpr("avg(pow(label - prediction, 2))").first().getDouble(0));
    double baseline = Math.sqrt(p.selectExpr("avg(pow(label - " + trainMean + ", 2))").first().getDouble(0));
    System.out.printf("flights delay MLP (60k train rows, 2 epochs) test RMSE %.3f vs %.3f predicting the mean%n",
        rmse, baseline);
    assertThat(rmse).as("MLP RMSE below the mean's").isLessThan(baseline);
    assertThat(p.where("probability is not null").count()).as("a regression has no probabilities").isZero();
    JsonNode summary = new ObjectMapper().readTree(store.resolve("flights/delay/train-dl/train-dl.json").toFile());
    assertThat(summary.at("/classes").asInt()).isZero();
    assertThat(summary.at("/curve/0/validation_rmse").asDouble()).as("in minutes").isBetween(10.0, 100.0);
  }

  @Test
  void inputsTheDataDoesNotHaveAreAConfigError() throws IOException {
    Cli r = run("train-dl", mnist().replace("pixel{0..783}", "pixel{0..799}"), "r");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pixel784").contains("pixel799");
    assertThat(r.errLines()).hasSize(1);
  }

  @Test
  void aCnnShapeThatDoesNotMatchThePixelsIsAConfigError() throws IOException {
    String config = mnist().replace("network: mlp", "network: cnn\n  image: {height: 28, width: 27, channels: 1}");
    Cli r = run("train-dl", config, "r");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).contains("duet train-dl: Cannot shape 784 numeric columns as a 28x27x1 image (756 pixels):"
        + " train_dl.image does not match train_dl.features.numeric");
  }


  /** The shipped flights config at test size, ingested once (run r) for the tests that use it. */
  private synchronized String flights() throws IOException {
    String config = Files.readString(Path.of("..", "conf", "flights.yaml")).replace("path: data/", "path: ../data/")
        .replace("max_train_rows: 500000", "max_train_rows: 60000").replace("epochs: 5", "epochs: 2");
    if (!Files.exists(store.resolve("flights/r/ingest/_SUCCESS"))) {
      assertThat(run("ingest", config, "r").exitCode()).isZero();
    }
    return config;
  }

  private static String mnist() throws IOException {
    return Files.readString(Path.of("..", "conf", "mnist.yaml")).replace("path: data/", "path: ../data/");
  }

  private Cli run(String stage, String config, String runId) throws IOException {
    Path file = Files.createTempFile(tmp, stage, ".yaml");
    Files.writeString(file, config);
    List<String> args = new ArrayList<>(List.of(stage, "--config", file.toString(), "--store", store.toString(),
        "--run-id", runId));
    return Cli.capture((out, err) -> DuetMain.execute(args.toArray(String[]::new), out, err, spark));
  }
}
