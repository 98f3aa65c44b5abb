package dev.duet.cli;

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
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** train-dl on the real MNIST digits and flights at test size (testing/TestData), ingested once for the class; local[2], two workers. */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainDlCommandTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private Path store;

  @BeforeAll
  void ingestMnist() throws IOException {
    store = tmp.resolve("store");
    SharedIngest.into(store, "r", mnist(), spark);
  }

  @Test
  void theReferenceMlpLearnsTheDigitsWithTwoWorkers() throws IOException {
    // Trained as conf/mnist.yaml trains it (dropout 0.2, Adam at 2e-3 annealed by a cosine), over 12
    // epochs: 0.945 on TestData's digits, where 8 epochs at a constant 1e-3 reach 0.928.
    String config = mnist().replace("  learning_rate: 0.001", "  learning_rate: 0.002\n  learning_rate_schedule: cosine\n"
        + "  dropout: 0.2").replace("epochs: 8", "epochs: 12").replace("patience: 3", "patience: 6");
    long start = System.nanoTime();
    Cli r = run("train-dl", config, "r");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("mnist/r/train-dl");
    Dataset<Row> p = spark.read().parquet(out.resolve("predictions/mlp").toString());
    long test = spark.read().parquet(store.resolve("mnist/r/ingest/clean").toString()).where("split = 'test'").count();
    assertThat(p.count()).isEqualTo(test);
    double accuracy = (double) p.where("label = prediction").count() / p.count();
    JsonNode summary = network(out, 0);
    System.out.printf("mnist MLP: %d epochs (best %d), %.1f s, test accuracy %.4f%n",
        summary.at("/epochs_run").asInt(), summary.at("/best_epoch").asInt(), seconds, accuracy);
    assertThat(accuracy).as("MLP test accuracy").isGreaterThanOrEqualTo(0.93);
    assertThat(summary.at("/curve")).isNotEmpty().allSatisfy(e -> {
      assertThat(e.at("/validation_accuracy").asDouble()).isBetween(0.5, 1.0);
      assertThat(e.at("/samples_per_second").asDouble()).isPositive();
    });
    assertThat(summary.at("/selection_metric").asText()).as("evaluate's metric for ten classes").isEqualTo("accuracy");
    assertThat(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(out.resolve("networks/mlp.zip").toFile())
        .numParams()).as("784-256-128-10").isEqualTo(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    assertThat(out.resolve("checkpoints/mlp/state-" + summary.at("/epochs_run").asInt() + ".json")).isRegularFile();
    assertThat(store.resolve("mnist/r/train-dl.checkpoints")).as("dropped once the output holding them is published")
        .doesNotExist();
    assertThat(p.first().<Object>getAs("probability")).isNotNull();
  }

  @Test
  void aRerunResumesFromTheLastCheckpointAndFinishesTheConfiguredEpochs() throws IOException {
    String config = mnist().replace("epochs: 8", "epochs: 2").replace("patience: 3", "patience: 5")
        .replace("  hidden:", "  max_train_rows: 2000\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/resume/ingest")); // the same ingest, another run
    System.setProperty("duet.train-dl.fail-after-epoch", "1");
    Cli failed;
    try {
      failed = run("train-dl", config, "resume");
    } finally {
      System.clearProperty("duet.train-dl.fail-after-epoch");
    }
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(store.resolve("mnist/resume/train-dl.checkpoints/mlp/epoch-1.zip")).as("epoch 1 survived").isRegularFile();
    assertThat(store.resolve("mnist/resume/train-dl")).as("nothing published").doesNotExist();

    Cli resumed = run("train-dl", config, "resume");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("train-dl: mlp: 2 epochs").contains("resumed after epoch 1");
    JsonNode summary = network(store.resolve("mnist/resume/train-dl"), 0);
    assertThat(summary.at("/resumed_from_epoch").asInt()).isEqualTo(1);
    assertThat(summary.at("/epochs_run").asInt()).isEqualTo(2);
    assertThat(summary.at("/curve")).extracting(e -> e.at("/epoch").asInt()).containsExactly(1, 2);
  }

  @Test
  void fewSparkJobsRunBeforeTheFirstEpoch() throws Exception {
    String config = mnist().replace("epochs: 8", "epochs: 1").replace("  hidden:", "  max_train_rows: 1500\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/jobs/ingest"));
    List<String> jobGroups = java.util.Collections.synchronizedList(new ArrayList<>());
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
        String group = job.properties() == null ? "" : job.properties().getProperty("spark.jobGroup.id", "");
        jobGroups.add(group.isEmpty() ? job.stageInfos().last().name() : group);
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      assertThat(run("train-dl", config, "jobs").exitCode()).isZero();
      spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    int beforeFirstEpoch = jobGroups.indexOf("train-dl:mlp:epoch-1");
    System.out.printf("train-dl: %d Spark jobs before epoch 1: %s%n", beforeFirstEpoch, jobGroups.subList(0, beforeFirstEpoch));
    // 19 before the counts were shared: a count per split, per slice, per cache and per check.
    assertThat(beforeFirstEpoch).as("jobs before epoch 1: %s", jobGroups).isBetween(1, 9);
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
    assertThat(store.resolve("mnist/changed/train-dl.checkpoints/mlp/epoch-1.zip")).isRegularFile();

    Cli r = run("train-dl", small.replace("hidden: [256, 128]", "hidden: [64]"), "changed");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("mnist/changed/train-dl");
    JsonNode summary = network(out, 0);
    assertThat(summary.at("/discarded_checkpoints_of_another_config").asBoolean()).isTrue();
    assertThat(summary.at("/resumed_from_epoch").asInt()).isZero();
    assertThat(summary.at("/curve")).extracting(e -> e.at("/epoch").asInt()).containsExactly(1, 2);
    assertThat(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(out.resolve("networks/mlp.zip").toFile())
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
    Dataset<Row> p = spark.read().parquet(store.resolve("mnist/cnn/train-dl/predictions/cnn").toString());
    double accuracy = (double) p.where("label = prediction").count() / p.count();
    System.out.printf("mnist CNN: 5 epochs, %.1f s, test accuracy %.4f%n", (System.nanoTime() - start) / 1e9, accuracy);
    assertThat(accuracy).as("CNN test accuracy").isGreaterThanOrEqualTo(0.96);
  }

  @Test
  void oneWorkerWithTheSameSeedTrainsTheSameNetworkTwice() throws IOException {
    String config = mnist().replace("workers: 2", "workers: 1").replace("epochs: 8", "epochs: 1")
        .replace("  hidden:", "  max_train_rows: 2000\n  hidden:");
    List<org.nd4j.linalg.api.ndarray.INDArray> params = new ArrayList<>();
    for (String runId : List.of("same-1", "same-2")) {
        Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/" + runId + "/ingest"));
      assertThat(run("train-dl", config, runId).exitCode()).isZero();
      params.add(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
          store.resolve("mnist/" + runId + "/train-dl/networks/mlp.zip").toFile()).params());
    }
    assertThat(params.get(0).equalsWithEps(params.get(1), 0.0)).as("identical parameters").isTrue();
  }

  @Test
  void anMlpOverFlightsColumnsRanksDelaysAboveChance() throws IOException {
    String config = flights();
    Cli r = run("train-dl", config, "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Dataset<Row> p = spark.read().parquet(store.resolve("flights/r/train-dl/predictions/mlp").toString());
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
    Dataset<Row> p = spark.read().parquet(store.resolve("flights/delay/train-dl/predictions/mlp").toString());
    double rmse = Math.sqrt(p.selectExpr("avg(pow(label - prediction, 2))").first().getDouble(0));
    double baseline = Math.sqrt(p.selectExpr("avg(pow(label - " + trainMean + ", 2))").first().getDouble(0));
    System.out.printf("flights delay MLP (60k train rows, 2 epochs) test RMSE %.3f vs %.3f predicting the mean%n",
        rmse, baseline);
    assertThat(rmse).as("MLP RMSE below the mean's").isLessThan(baseline);
    assertThat(p.where("probability is not null").count()).as("a regression has no probabilities").isZero();
    JsonNode summary = network(store.resolve("flights/delay/train-dl"), 0);
    assertThat(summary.at("/classes").asInt()).isZero();
    assertThat(summary.at("/curve/0/validation_rmse").asDouble()).as("in minutes").isBetween(10.0, 100.0);
  }

  @Test
  void twoNetworksOfOneRunPredictEveryTestRowResumeIndependentlyAndBothRankInEvaluate() throws IOException {
    String config = mnist().replaceAll("(?s)\ntrain_ml:.*?\n(?=train_dl:)", "\n")
        .replaceAll("(?s)\ntrain_dl:.*", "\n") + """
        train_dl:
          features:
            numeric: ["pixel{0..783}"]
            standardize: false
          epochs: 2
          patience: 5
          max_train_rows: 1500
          networks:
            mlp: {hidden: [64]}
            cnn: {image: {height: 28, width: 28, channels: 1}}
        """;
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/two/ingest"));
    System.setProperty("duet.train-dl.fail-after-epoch", "cnn:1");
    try {
      assertThat(run("train-dl", config, "two").exitCode()).isEqualTo(1);
    } finally {
      System.clearProperty("duet.train-dl.fail-after-epoch");
    }
    Path checkpoints = store.resolve("mnist/two/train-dl.checkpoints");
    assertThat(checkpoints.resolve("mlp/epoch-2.zip")).as("the mlp finished both epochs").isRegularFile();
    assertThat(checkpoints.resolve("cnn/epoch-1.zip")).isRegularFile();
    assertThat(checkpoints.resolve("cnn/epoch-2.zip")).doesNotExist();

    Cli resumed = run("train-dl", config, "two");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).containsPattern("train-dl: mlp: 2 epochs \\(best \\d, resumed after epoch 2\\)")
        .containsPattern("train-dl: cnn: 2 epochs \\(best \\d, resumed after epoch 1\\)");
    Path out = store.resolve("mnist/two/train-dl");
    long test = spark.read().parquet(store.resolve("mnist/r/ingest/clean").toString()).where("split = 'test'").count();
    for (String name : List.of("mlp", "cnn")) {
      Dataset<Row> p = spark.read().parquet(out.resolve("predictions/" + name).toString());
      assertThat(p.count()).as(name + " predicts every test row").isEqualTo(test);
      assertThat(p.select("row_id").distinct().count()).as(name + ": once").isEqualTo(test);
      assertThat(out.resolve("networks/" + name + ".zip")).isRegularFile();
    }
    assertThat(network(out, 1).at("/curve")).extracting(e -> e.at("/epoch").asInt()).containsExactly(1, 2);

    Cli evaluated = run("evaluate", config, "two");
    assertThat(evaluated.exitCode()).as(evaluated.err()).isZero();
    JsonNode report = new ObjectMapper().readTree(store.resolve("mnist/two/evaluate/report.json").toFile());
    assertThat(report.at("/leaderboard")).extracting(m -> m.at("/model").asText())
        .containsExactlyInAnyOrder("dl:mlp", "dl:cnn");
  }

  @Test
  void aCategoricalColumnWithThousandsOfValuesIsEmbeddedAndUnseenOrNullValuesStillPredict() throws IOException {
    // 1,500 codes whose parity is the label, 100 codes seen once and 100 rows without a code.
    StringBuilder csv = new StringBuilder("code,x,y\n");
    java.util.Random random = new java.util.Random(7);
    for (int k = 0; k < 1_500; k++) {
      for (int i = 0; i < 16; i++) {
        csv.append("c").append(k).append(',').append(random.nextGaussian()).append(',').append(k % 2).append('\n');
      }
    }
    for (int k = 0; k < 100; k++) {
      csv.append("once").append(k).append(',').append(random.nextGaussian()).append(',').append(k % 2).append('\n');
      csv.append(",").append(random.nextGaussian()).append(",0\n");
    }
    Path data = tmp.resolve("codes.csv");
    Files.writeString(data, csv);
    String config = """
        pipeline: codes
        task: classification
        label: y
        input: {path: %s, format: csv, options: {header: "true"}}
        columns:
          - {name: code, type: string, nulls: keep}
          - {name: x, type: double, nulls: quarantine}
          - {name: y, type: int, nulls: quarantine}
        split: {test_fraction: 0.2, seed: 42}
        train_dl:
          features: {numeric: [x], categorical: [code]}
          hidden: [32]
          learning_rate: 0.01
          epochs: 4
          patience: 4
          batch_size: 128
        """.formatted(data);
    assertThat(run("ingest", config, "r").exitCode()).isZero();
    Cli oneHot = run("train-dl", config.replace("categorical: [code]}", "categorical: [code],"
        + " categorical_inputs: one_hot}"), "r");
    assertThat(oneHot.exitCode()).isEqualTo(2);
    assertThat(oneHot.errLines()).containsExactly("duet train-dl: Cannot one-hot code for train_dl network mlp: it has"
        + " more than 1000 distinct values (categorical_inputs: embedding takes it)");

    Cli r = run("train-dl", config, "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode embedding = network(store.resolve("codes/r/train-dl"), 0).at("/embeddings/0");
    assertThat(embedding.at("/column").asText()).isEqualTo("code");
    assertThat(embedding.at("/values").asInt()).as("every code of the train split").isGreaterThan(1_500);
    assertThat(embedding.at("/width").asInt()).isBetween(40, 100);
    Dataset<Row> clean = spark.read().parquet(store.resolve("codes/r/ingest/clean").toString());
    Dataset<Row> trainCodes = clean.where("split = 'train' and code is not null").select("code").distinct();
    Dataset<Row> test = clean.where("split = 'test'");
    Dataset<Row> p = spark.read().parquet(store.resolve("codes/r/train-dl/predictions/mlp").toString())
        .join(test.select("row_id", "code"), "row_id");
    assertThat(p.count()).isEqualTo(test.count());
    long unseen = p.join(trainCodes, p.col("code").equalTo(trainCodes.col("code")), "left_anti").count();
    assertThat(unseen).as("test rows with a null or unseen code, predicted too").isGreaterThan(20);
    Dataset<Row> seen = p.join(trainCodes, "code");
    double accuracy = (double) seen.where("label = prediction").count() / seen.count();
    System.out.printf("codes: embedding of %d values (width %d): test accuracy %.4f on seen codes, %d unseen/null rows%n",
        embedding.at("/values").asInt(), embedding.at("/width").asInt(), accuracy, unseen);
    assertThat(accuracy).as("the label is the code's parity: only the embedding can know it").isGreaterThan(0.9);
  }

  @Test
  void earlyStoppingKeepsTheEpochWithTheBestPrimaryMetric() throws IOException {
    // A rare positive class (about 7%) that only a combination of inputs predicts: every epoch
    // predicts the majority class, so accuracy cannot tell the epochs apart while ROC AUC can.
    StringBuilder csv = new StringBuilder("a,b,c,d,y\n");
    java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 20_000; i++) {
      double a = random.nextGaussian();
      double b = random.nextGaussian();
      double c = random.nextGaussian();
      double d = random.nextGaussian();
      int y = a + b * c + 0.5 * Math.sin(3 * d) + 0.8 * random.nextGaussian() > 2.4 ? 1 : 0;
      csv.append(a).append(',').append(b).append(',').append(c).append(',').append(d).append(',').append(y).append('\n');
    }
    Path data = tmp.resolve("rare.csv");
    Files.writeString(data, csv);
    String config = """
        pipeline: rare
        task: classification
        label: y
        input: {path: %s, format: csv, options: {header: "true"}}
        columns:
          - {name: a, type: double, nulls: quarantine}
          - {name: b, type: double, nulls: quarantine}
          - {name: c, type: double, nulls: quarantine}
          - {name: d, type: double, nulls: quarantine}
          - {name: y, type: int, nulls: quarantine}
        split: {test_fraction: 0.2, seed: 42}
        train_dl:
          features: {numeric: [a, b, c, d]}
          hidden: [16]
          learning_rate: 0.0003
          epochs: 5
          patience: 5
          batch_size: 64
          validation_fraction: 0.25
        """.formatted(data);
    assertThat(run("ingest", config, "r").exitCode()).isZero();
    Cli r = run("train-dl", config, "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode summary = network(store.resolve("rare/r/train-dl"), 0);
    List<Double> auc = new ArrayList<>();
    List<Double> accuracy = new ArrayList<>();
    summary.at("/curve").forEach(e -> {
      auc.add(e.at("/validation_roc_auc").asDouble());
      accuracy.add(e.at("/validation_accuracy").asDouble());
    });
    System.out.printf("rare: validation ROC AUC %s, accuracy %s, best epoch %d%n", auc, accuracy,
        summary.at("/best_epoch").asInt());
    assertThat(summary.at("/selection_metric").asText()).isEqualTo("roc_auc");
    int bestByAuc = 1 + auc.indexOf(java.util.Collections.max(auc));
    int bestByAccuracy = 1 + accuracy.indexOf(java.util.Collections.max(accuracy));
    assertThat(summary.at("/best_epoch").asInt()).as("the epoch of the highest validation AUC").isEqualTo(bestByAuc);
    assertThat(bestByAccuracy).as("accuracy would have kept another epoch").isNotEqualTo(bestByAuc);
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


  /**
   * A shipped config on the test-sized data, without the learning curve: its refits are
   * train-dl's work too, and EvaluateCommandTest covers them once.
   */
  private static String shipped(String name) {
    String text = TestData.shipped(name);
    assertThat(text).contains("\n  learning_curve: ");
    return text.replaceAll("\n  learning_curve: [^\n]*", "");
  }

  /** The shipped flights config with a test-size network, ingested once (run r) for the tests that use it. */
  private synchronized String flights() throws IOException {
    String config = shipped("flights.yaml")
        .replaceAll("(?s)\ntrain_dl:.*?\n(?=# The report)", """

        train_dl:
          features: {numeric: [distance], categorical: [origin, destination, hour, weekday, month, day]}
          hidden: [128, 64]
          batch_norm: true
          learning_rate: 0.002
          max_train_rows: 60000
          epochs: 2
          batch_size: 256

        """);
    if (!Files.exists(store.resolve("flights/r/ingest/_SUCCESS"))) {
      SharedIngest.into(store, "r", config, spark);
    }
    return config;
  }

  /** The summary of the stage's {@code i}-th network. */
  private static JsonNode network(Path stageOutput, int i) throws IOException {
    return new ObjectMapper().readTree(stageOutput.resolve("train-dl.json").toFile()).at("/networks/" + i);
  }

  /** The shipped MNIST config with the reference MLP as its one network (the tests vary it). */
  private static String mnist() throws IOException {
    return shipped("mnist.yaml")
        .replaceAll("(?s)\ntrain_dl:.*?\n(?=# The report)", """

        train_dl:
          network: mlp
          features:
            numeric: ["pixel{0..783}"]
            standardize: false
          hidden: [256, 128]
          learning_rate: 0.001
          epochs: 8
          batch_size: 32
          workers: 2
          averaging_frequency: 10
          patience: 3
          validation_fraction: 0.1

        """);
  }

  private Cli run(String stage, String config, String runId) throws IOException {
    return Cli.duet(tmp, stage, config, store, runId);
  }
}
