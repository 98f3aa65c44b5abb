package dev.duet.cli;

import static dev.duet.testing.Scores.accuracy;
import static dev.duet.cli.TrainMlStore.json;
import static dev.duet.cli.TrainMlStore.shipped;
import static dev.duet.testing.TestData.halfResolution;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.testing.Cli;
import dev.duet.testing.SharedIngest;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * train-ml on the real MNIST digits at test size and half resolution (testing/TestData; 196
 * pixels, ten classes), ingested once for the class, and its refusals. Small tree and iteration
 * counts: these are floors that catch a broken pipeline, not benchmarks. Flights and the boosters:
 * TrainMlFlightsAndBoostersCommandTest.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainMlCommandTest {
  private static final String[] ALL = {"gbt", "random_forest", "decision_tree", "linear", "linear_svm", "knn"};
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private TrainMlStore trained;
  private Path store;

  @BeforeAll
  void ingestTheRealData() throws IOException {
    trained = new TrainMlStore(tmp, spark);
    store = trained.path();
    // The config up to its train_ml section: ingest reads no more of it.
    SharedIngest.into(store, "r", halfResolution(TestData.shipped("mnist.yaml", "")), spark);
  }

  @Test
  void trainsEveryAlgorithmOnMnistAndTheForestReadsNinetyPercentOfDigits() throws IOException {
    // Every train row (4,011) at half resolution: the forest reads 0.914 of the test digits there
    // (0.900 on 2,500, 0.932 at full resolution), at a quarter of the columns' cost to each of six
    // algorithms; k-NN searches 2,000 of them (0.874).
    Cli r = trained.run("train-ml", halfResolution(shipped("mnist.yaml", """
        train_ml:
          features: {numeric: ["pixel{0..783}"]}
          tuning: {parallelism: 2}
          algorithms:
            gbt: {maxIter: [2], maxDepth: [3]}
            random_forest: {numTrees: [30], maxDepth: [12]}
            decision_tree: {maxDepth: [4, 8]}
            linear: {maxIter: [15]}
            linear_svm: {maxIter: [5]}
            knn: {k: [1, 5], reference_rows: 2000, validation_rows: 300}
        """)));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("mnist/r/train-ml");
    long testRows = trained.clean("mnist").where("split = 'test'").count();
    for (String a : ALL) {
      Dataset<Row> p = trained.predictions(out, a);
      assertThat(p.count()).as("%s predicts every test row", a).isEqualTo(testRows);
      assertThat(p.where("prediction NOT IN (0,1,2,3,4,5,6,7,8,9)").count()).as(a).isZero();
      System.out.printf("mnist %s test accuracy: %.4f%n", a, accuracy(p));
    }
    assertThat(accuracy(trained.predictions(out, "random_forest"))).as("random forest accuracy").isGreaterThanOrEqualTo(0.90);
    assertThat(accuracy(trained.predictions(out, "knn"))).as("k-NN accuracy").isGreaterThan(0.85);

    JsonNode summary = json(out.resolve("train-ml.json"));
    assertThat(summary.at("/classes").asInt()).isEqualTo(10);
    JsonNode gbt = summary.at("/algorithms/0");
    assertThat(gbt.at("/model").asText()).as("GBT is binary in MLlib").startsWith("OneVsRest(GBTClassificationModel x 10");
    assertThat(gbt.at("/cost/train/executor_cpu_seconds").asDouble()).isPositive();
    assertThat(gbt.at("/model_bytes").asLong()).isPositive();
    JsonNode tree = json(out.resolve("tuning.json")).at("/algorithms/decision_tree/candidates");
    assertThat(tree).hasSize(2).allSatisfy(c -> assertThat(c.at("/score").asDouble()).isBetween(0.3, 1.0));
    assertThat(json(out.resolve("importances.json")).at("/random_forest/by_column/0/column").asText()).startsWith("pixel");
    assertThat(out.resolve("_SUCCESS")).exists();
    assertThat(json(out.resolve("manifest.json")).at("/outputs")).isNotEmpty();
  }

  @Test
  void refusesToTrainARunThatHasNotFinishedIngest() throws IOException {
    Path config = Files.writeString(tmp.resolve("mnist-elsewhere.yaml"), shipped("mnist.yaml", ""));
    Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"train-ml", "--config", config.toString(),
        "--store", store.toString(), "--run-id", "never-ingested"}, out, err, spark));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Run never-ingested of mnist has not finished ingest");
  }
}
