package dev.duet.cli;

import static dev.duet.cli.TrainDlConfigs.flights;
import static dev.duet.cli.TrainDlConfigs.network;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * train-dl on tables: the real flights at test size (testing/TestData), ingested once for the
 * class, and generated tables for embeddings and early stopping; local[2], two workers.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainDlTablesCommandTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private Path store;

  @BeforeAll
  void ingestFlights() throws IOException {
    store = tmp.resolve("store");
    SharedIngest.into(store, "r", flights(), spark);
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

  private Cli run(String stage, String config, String runId) throws IOException {
    return Cli.duet(tmp, stage, config, store, runId);
  }
}
