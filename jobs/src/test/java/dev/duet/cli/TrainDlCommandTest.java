package dev.duet.cli;

import static dev.duet.cli.TrainDlConfigs.mnist;
import static dev.duet.cli.TrainDlConfigs.network;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SharedIngest;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What train-dl's networks learn from the real MNIST digits at test size (testing/TestData),
 * ingested once for the class; local[2], two workers. Resume and runs: TrainDlResumeCommandTest;
 * tables: TrainDlTablesCommandTest.
 */
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
  void theLeNetCnnReadsTheDigitsBetter() throws IOException {
    // Adam at 2e-3 annealed by a cosine over 3 epochs (as conf/mnist.yaml anneals its 10): test
    // accuracy 0.9665 on TestData's digits, where 5 epochs at a constant 1e-3 reached 0.9645 in
    // two thirds more time (~14 s an epoch on 2 cores).
    String config = mnist().replace("network: mlp", "network: cnn\n  image: {height: 28, width: 28, channels: 1}")
        .replace("  learning_rate: 0.001", "  learning_rate: 0.002\n  learning_rate_schedule: cosine")
        .replace("epochs: 8", "epochs: 3");
    Dirs.copyTree(store.resolve("mnist/r/ingest"), store.resolve("mnist/cnn/ingest"));
    long start = System.nanoTime();
    Cli r = run("train-dl", config, "cnn");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Dataset<Row> p = spark.read().parquet(store.resolve("mnist/cnn/train-dl/predictions/cnn").toString());
    double accuracy = (double) p.where("label = prediction").count() / p.count();
    System.out.printf("mnist CNN: 3 epochs, %.1f s, test accuracy %.4f%n", (System.nanoTime() - start) / 1e9, accuracy);
    assertThat(accuracy).as("CNN test accuracy").isGreaterThanOrEqualTo(0.96);
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

  private Cli run(String stage, String config, String runId) throws IOException {
    return Cli.duet(tmp, stage, config, store, runId);
  }
}
