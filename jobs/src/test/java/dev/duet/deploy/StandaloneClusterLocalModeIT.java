package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.SharedCluster;
import dev.duet.testing.SparkSubmit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole run on the standalone cluster (testing/SharedCluster) agrees with the same run in local
 * mode, whose report ranks the models of both families on the ten digits.
 */
@ExtendWith(SharedCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterLocalModeIT {
  /** Accuracy may differ this much between local mode and the cluster: partitioning differs, so
   * do the random forest's bootstrap samples and the workers' shards of the network's rows. */
  private static final double TOLERANCE = 0.03;
  private SharedCluster.Fixture cluster;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void theSharedCluster(SharedCluster.Fixture cluster) {
    this.cluster = cluster;
  }

  @Test
  void theWholeRunOnTheClusterAgreesWithLocalMode() throws Exception {
    assertThat(cluster.wholeRun()).contains("run: mnist run cluster finished");
    // Local mode from the same clean rows: what is compared is the training, and an ingest of its
    // own would cost the local run its planning and the cluster's a drift check against it.
    cluster.ingestedAs("local");
    assertThat(SparkSubmit.to("local[2]").run(cluster.dir("local").resolve("local.log"), SharedCluster.RUN_LIMIT,
        cluster.run(cluster.config, "local")))
        .contains("ingest: run local already finished this stage, skipping").contains("run: mnist run local finished");

    // The local run's report: every model of both families on the ten digits.
    JsonNode report = json.readTree(cluster.store().resolve("mnist/local/evaluate/report.json").toFile());
    assertThat(report.at("/metric").asText()).isEqualTo("accuracy");
    assertThat(report.at("/leaderboard")).hasSize(3).allSatisfy(e -> {
      assertThat(e.at("/metrics/accuracy").asDouble()).as(e.at("/model").asText()).isGreaterThan(0.7);
      assertThat(e.at("/metrics/confusion_matrix")).hasSize(10);
    });
    assertThat(report.at("/recommendation/verdict").asText()).startsWith("Use ");

    JsonNode local = json.readTree(cluster.store().resolve("mnist/local/evaluate/metrics.json").toFile());
    JsonNode onCluster = json.readTree(cluster.store().resolve("mnist/cluster/evaluate/metrics.json").toFile());
    for (String model : List.of("random_forest", "linear", "dl:mlp")) {
      double a = local.at("/" + model + "/accuracy").asDouble();
      double b = onCluster.at("/" + model + "/accuracy").asDouble();
      System.out.printf("%s: accuracy local %.4f, cluster %.4f%n", model, a, b);
      assertThat(b).as(model + " accuracy on the cluster vs local").isCloseTo(a, within(TOLERANCE));
      assertThat(onCluster.at("/" + model + "/rows").asLong()).isEqualTo(local.at("/" + model + "/rows").asLong());
    }
  }
}
