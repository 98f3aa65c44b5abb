package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.EventLog;
import dev.duet.testing.SharedCluster;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole pipeline submitted with spark-submit to a real standalone cluster on loopback (a
 * master and two workers, separate JVMs; the first worker offers a fake GPU) places the network's
 * training on the GPU executor and the forest on the others. The cluster and the run are
 * testing/SharedCluster's, which the other cluster tests share: the same run against local mode
 * (StandaloneClusterLocalModeIT), lost executors and driver, the boosters.
 */
@ExtendWith(SharedCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterIT {
  private SharedCluster.Fixture cluster;

  @BeforeAll
  void theSharedCluster(SharedCluster.Fixture cluster) {
    this.cluster = cluster;
  }

  @Test
  void theWholeRunOnTheClusterTrainsTheNetworkOnTheGpuExecutorAndTheForestOnTheOthers() throws Exception {
    String out = cluster.wholeRun(); // conf/spark/mixed.conf's settings, scaled down to this machine
    assertThat(out).contains("run: mnist run cluster finished").contains("on GPU executors");
    JsonNode onCluster = new ObjectMapper().readTree(cluster.store().resolve("mnist/cluster/evaluate/metrics.json").toFile());
    assertThat(onCluster.fieldNames()).toIterable().containsExactlyInAnyOrder("random_forest", "linear", "dl:mlp");

    EventLog log = EventLog.onlyIn(cluster.wholeRunEvents());
    Set<String> gpu = log.gpuExecutors();
    assertThat(gpu).as("the fake GPU went to one executor").hasSize(1);
    assertThat(log.executorsRunning("ParameterAveragingTrainingMaster")).as("parameter averaging rounds")
        .isNotEmpty().isSubsetOf(gpu);
    assertThat(log.executorsRunning("RandomForest")).as("the random forest's tasks").isNotEmpty()
        .doesNotContainAnyElementsOf(gpu);
  }
}
