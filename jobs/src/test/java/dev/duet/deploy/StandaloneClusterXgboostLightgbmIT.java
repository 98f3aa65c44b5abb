package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.EventLog;
import dev.duet.testing.SharedCluster;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** XGBoost and LightGBM in train-ml on the standalone cluster (testing/SharedCluster): both spread over its executors. */
@ExtendWith(SharedCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterXgboostLightgbmIT {
  private SharedCluster.Fixture cluster;
  private Path tmp;

  @BeforeAll
  void theSharedCluster(SharedCluster.Fixture cluster) throws IOException {
    this.cluster = cluster;
    this.tmp = cluster.dir("boosters");
  }

  @Test
  void xgboostAndLightgbmTrainAcrossTheClusterExecutors() throws Exception {
    cluster.ingestedAs("boosters");
    String yaml = Files.readString(cluster.config);
    Path boosters = Files.writeString(tmp.resolve("mnist-boosters.yaml"), yaml.substring(0, yaml.indexOf("\ntrain_ml:"))
        + """

            train_ml:
              features:
                numeric: ["pixel{0..195}"]
              algorithms:
                xgboost: {numRound: [20], max_depth: [4]}
                lightgbm: {numIterations: [20], numLeaves: [15]}
            """);
    Path events = Files.createDirectories(tmp.resolve("events"));
    // Fixed executors (XGBoost's barrier stage refuses dynamic allocation): two of one core, one per worker.
    String out = cluster.onTheCluster(events).conf("spark.cores.max", "2").run(tmp.resolve("boosters.log"), SharedCluster.RUN_LIMIT,
        "train-ml", "--config", boosters.toString(), "--run-id", "boosters", "--store", cluster.store().toString());
    assertThat(out).contains("train-ml: done");
    long testRows = SharedCluster.Fixture.predictionRows(cluster.store().resolve("mnist/cluster/train-ml/predictions/random_forest"));
    for (String booster : List.of("xgboost", "lightgbm")) {
      Path predictions = cluster.store().resolve("mnist/boosters/train-ml/predictions/" + booster);
      assertThat(SharedCluster.Fixture.predictionRows(predictions)).as(booster + " predicts every test row once").isEqualTo(testRows);
      var p = SparkTestSession.get().read().parquet(predictions.toString());
      double accuracy = (double) p.where("label = prediction").count() / testRows;
      System.out.printf("cluster %s test accuracy %.4f%n", booster, accuracy);
      assertThat(accuracy).as(booster + " accuracy on the cluster").isGreaterThan(0.85);
    }
    EventLog log = EventLog.onlyIn(events);
    System.out.printf("cluster boosters: XGBoost tasks on executors %s, LightGBM tasks on executors %s%n",
        log.executorsRunning("XGBoost.scala"), log.executorsRunning("LightGBM"));
    assertThat(log.executorsRunning("XGBoost.scala")).as("XGBoost's workers spread over the executors").hasSizeGreaterThan(1);
    assertThat(log.executorsRunning("LightGBM")).as("LightGBM's workers spread over the executors").hasSizeGreaterThan(1);
  }
}
