package dev.duet.cli;

import static dev.duet.cli.TrainDlConfigs.mnist;
import static dev.duet.cli.TrainDlConfigs.mnistHalfResolution;
import static dev.duet.cli.TrainDlConfigs.network;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SharedIngest;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
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
 * train-dl's runs on the real MNIST digits at test size (testing/TestData), ingested once for the
 * class: checkpoints and resume, Spark jobs, seeds, two networks in one run. Small samples, and
 * the MLP's tests on the digits at half resolution (196 pixels; the CNN's needs 28x28): what these
 * tests check does not depend on how well the networks learn.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainDlResumeCommandTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private Path store;

  @BeforeAll
  void ingestMnist() throws IOException {
    store = tmp.resolve("store");
    SharedIngest.into(store, "r", mnist(), spark);
    SharedIngest.into(store, "half", mnistHalfResolution(), spark);
  }

  @Test
  void aRerunResumesFromTheLastCheckpointAndFinishesTheConfiguredEpochs() throws IOException {
    String config = mnistHalfResolution().replace("epochs: 8", "epochs: 2").replace("patience: 3", "patience: 5")
        .replace("  hidden:", "  max_train_rows: 800\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/half/ingest"), store.resolve("mnist/resume/ingest")); // the same ingest, another run
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
    String config = mnistHalfResolution().replace("epochs: 8", "epochs: 1")
        .replace("  hidden:", "  max_train_rows: 800\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/half/ingest"), store.resolve("mnist/jobs/ingest"));
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
    String small = mnistHalfResolution().replace("epochs: 8", "epochs: 2").replace("patience: 3", "patience: 5")
        .replace("  hidden:", "  max_train_rows: 800\n  hidden:");
    Dirs.copyTree(store.resolve("mnist/half/ingest"), store.resolve("mnist/changed/ingest"));
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
        .numParams()).as("196-64-10").isEqualTo(196 * 64 + 64 + 64 * 10 + 10);
  }

  @Test
  void oneWorkerWithTheSameSeedTrainsTheSameNetworkTwice() throws IOException {
    String config = mnistHalfResolution().replace("workers: 2", "workers: 1").replace("epochs: 8", "epochs: 1")
        .replace("  hidden:", "  max_train_rows: 800\n  hidden:");
    List<org.nd4j.linalg.api.ndarray.INDArray> params = new ArrayList<>();
    for (String runId : List.of("same-1", "same-2")) {
      Dirs.copyTree(store.resolve("mnist/half/ingest"), store.resolve("mnist/" + runId + "/ingest"));
      assertThat(run("train-dl", config, runId).exitCode()).isZero();
      params.add(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
          store.resolve("mnist/" + runId + "/train-dl/networks/mlp.zip").toFile()).params());
    }
    assertThat(params.get(0).equalsWithEps(params.get(1), 0.0)).as("identical parameters").isTrue();
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
          max_train_rows: 800
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

  private Cli run(String stage, String config, String runId) throws IOException {
    return Cli.duet(tmp, stage, config, store, runId);
  }
}
