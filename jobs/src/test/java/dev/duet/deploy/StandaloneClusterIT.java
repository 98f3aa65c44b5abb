package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Dirs;
import dev.duet.testing.EventLog;
import dev.duet.testing.SparkSubmit;
import dev.duet.testing.StandaloneCluster;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline submitted with spark-submit to a real standalone cluster on loopback (a
 * master and two workers, separate JVMs; the first worker offers a fake GPU): it agrees with
 * local mode, places the network's training on the GPU executor, and survives lost executors and
 * a lost driver. The real MNIST digits at test size and half resolution with small models (test
 * resource cluster/mnist-small.yaml): one cluster for the class, one run that loses executors and
 * its driver.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  /** Accuracy may differ this much between local mode and the cluster: partitioning differs, so
   * do the random forest's bootstrap samples and the workers' shards of the network's rows. */
  private static final double TOLERANCE = 0.03;
  private static final Duration RUN_LIMIT = Duration.ofMinutes(12);
  /** Digits of the real MNIST at half resolution (600 in the test split, 196 pixels): no floor here
   * needs TestData's 5,000 full-size digits, and every JVM the test starts plans each stage over
   * these columns (784 pixels cost ~40 s of planning per ingest, whatever the rows). */
  private static final int DIGITS = 3_000;

  @TempDir
  static Path tmp;
  private StandaloneCluster cluster;
  private Path config;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void startTheCluster() throws Exception {
    String yaml = new String(getClass().getResourceAsStream("/cluster/mnist-small.yaml").readAllBytes())
        .replace("MNIST_CSV", TestData.mnistHalfResolution(DIGITS).toString());
    config = Files.writeString(tmp.resolve("mnist-small.yaml"), yaml);
    cluster = StandaloneCluster.start(tmp.resolve("cluster"));
  }

  @AfterAll
  void stopTheCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void theWholeRunOnTheClusterAgreesWithLocalModeAndTrainsTheNetworkOnTheGpuExecutor() throws Exception {
    Path events = Files.createDirectories(tmp.resolve("events-cluster"));
    // conf/spark/mixed.conf's settings, scaled down to this machine.
    String out = onTheCluster(events)
        .conf("spark.dynamicAllocation.enabled", "true")
        .conf("spark.dynamicAllocation.shuffleTracking.enabled", "true")
        .conf("spark.dynamicAllocation.maxExecutors", "2") // per profile: leaves the GPU worker a core for the GPU executor
        .conf("spark.duet.train-dl.executor.gpus", "1")
        .conf("spark.duet.train-dl.gpu.discoveryScript", cluster.gpuDiscoveryScript.toString())
        .run(tmp.resolve("cluster.log"), RUN_LIMIT, run("cluster"));
    assertThat(out).contains("run: mnist run cluster finished").contains("on GPU executors");
    // Local mode from the same clean rows: what is compared is the training, and an ingest of its
    // own would cost the local run its planning and the cluster's a drift check against it.
    Dirs.copyTree(store().resolve("mnist/cluster/ingest"), store().resolve("mnist/local/ingest"));
    assertThat(SparkSubmit.to("local[2]").run(tmp.resolve("local.log"), RUN_LIMIT, run("local")))
        .contains("ingest: run local already finished this stage, skipping").contains("run: mnist run local finished");

    JsonNode local = json.readTree(store().resolve("mnist/local/evaluate/metrics.json").toFile());
    JsonNode onCluster = json.readTree(store().resolve("mnist/cluster/evaluate/metrics.json").toFile());
    assertThat(onCluster.fieldNames()).toIterable().containsExactlyInAnyOrder("random_forest", "linear", "dl:mlp");
    for (String model : List.of("random_forest", "linear", "dl:mlp")) {
      double a = local.at("/" + model + "/accuracy").asDouble();
      double b = onCluster.at("/" + model + "/accuracy").asDouble();
      System.out.printf("%s: accuracy local %.4f, cluster %.4f%n", model, a, b);
      assertThat(b).as(model + " accuracy on the cluster vs local").isCloseTo(a, within(TOLERANCE));
      assertThat(onCluster.at("/" + model + "/rows").asLong()).isEqualTo(local.at("/" + model + "/rows").asLong());
    }

    EventLog log = EventLog.onlyIn(events);
    Set<String> gpu = log.gpuExecutors();
    assertThat(gpu).as("the fake GPU went to one executor").hasSize(1);
    assertThat(log.executorsRunning("ParameterAveragingTrainingMaster")).as("parameter averaging rounds")
        .isNotEmpty().isSubsetOf(gpu);
    assertThat(log.executorsRunning("RandomForest")).as("the random forest's tasks").isNotEmpty()
        .doesNotContainAnyElementsOf(gpu);
  }

  @Test
  @Order(2)
  void lostExecutorsCostRetriesNotRowsAndARunWhoseDriverDiedResumesFromTheFinishedStagesAndTheLastCheckpoint()
      throws Exception {
    // One run takes every blow: an executor lost during train-ml, another during train-dl's
    // epochs, then the driver itself (SIGKILL) once the first epoch's checkpoint is written.
    Dirs.copyTree(store().resolve("mnist/cluster/ingest"), store().resolve("mnist/lost/ingest"));
    // A wider network than the other runs', over more epochs: its averaging rounds (ten minibatches
    // a task) last long enough on 196 pixels for a kill to find one running, and its training long
    // enough for the cluster to replace both executors before the driver goes. The forest alone in
    // train-ml: the kill lands in its jobs, and the linear model would only add minutes.
    Path wider = Files.writeString(tmp.resolve("mnist-lost.yaml"), Files.readString(config)
        .replace("hidden: [64]", "hidden: [1024, 1024]").replace("epochs: 3", "epochs: 6").replace("patience: 3", "patience: 6")
        .replaceFirst("\\n    linear: \\{[^}]*}", ""));
    Path events = Files.createDirectories(tmp.resolve("events-lost"));
    Path logFile = tmp.resolve("lost-1.log");
    Process driver = onTheCluster(events).conf("spark.cores.max", "2").start(logFile, run(wider, "lost"));
    cluster.killExecutor(executorRunningATaskAfter(driver, logFile, "train-ml: [1/1] random_forest"));
    assertThat(Files.readString(logFile)).as("killed while train-ml ran").doesNotContain("train-ml: done");
    cluster.killExecutor(executorRunningATaskAfter(driver, logFile, "train-dl: mlp: epoch 1/6"));
    assertThat(Files.readString(logFile)).as("killed while train-dl ran").doesNotContain("train-dl: done");
    // The event log records each loss and each replacement as the driver learns of it: both kills
    // and both replacements are on record before the driver itself goes.
    await(driver, logFile, () -> EventLog.count(events, "SparkListenerExecutorRemoved") >= 2
        && EventLog.count(events, "SparkListenerExecutorAdded") >= 4,
        "both lost executors and their replacements in the event log");
    // The resume point: an epoch's state is written after its network, so it names a complete one.
    Path checkpoint = store().resolve("mnist/lost/train-dl.checkpoints/mlp/state-1.json");
    await(driver, logFile, () -> Files.isRegularFile(checkpoint), "the first epoch's checkpoint");
    driver.destroyForcibly().waitFor(); // SIGKILL: the driver gets no chance to clean up
    assertThat(store().resolve("mnist/lost/train-dl/_SUCCESS")).doesNotExist();

    EventLog log = EventLog.onlyIn(events);
    assertThat(log.executorsRemoved()).as("both kills were seen").isGreaterThanOrEqualTo(2);
    assertThat(log.executorsAdded()).as("the cluster replaced them").isGreaterThanOrEqualTo(4);
    long lostMl = log.tasksLostWithTheirExecutor("train-ml:");
    long lostDl = log.tasksLostWithTheirExecutor("train-dl:");
    System.out.printf("lost executors: %d task(s) of train-ml, %d of train-dl failed with their executor%n", lostMl, lostDl);
    // A kill can land between two jobs (the random forest's tasks here last well under a second):
    // then the stage loses the executor's cached blocks and shuffle files, not a running task.
    assertThat(lostMl + lostDl).as("a kill hit a running task, which Spark ran again").isPositive();

    String out = onTheCluster(Files.createDirectories(tmp.resolve("events-resumed"))).conf("spark.cores.max", "2")
        .run(tmp.resolve("lost-2.log"), RUN_LIMIT, run(wider, "lost"));
    assertThat(out).contains("ingest: run lost already finished this stage, skipping")
        .contains("train-ml: run lost already finished this stage, skipping")
        .containsPattern("train-dl: mlp: resuming after epoch [1-5] from")
        .contains("train-dl: mlp: 6 epochs").contains("run: mnist run lost finished");
    JsonNode summary = json.readTree(store().resolve("mnist/lost/train-dl/train-dl.json").toFile()).at("/networks/0");
    assertThat(summary.at("/resumed_from_epoch").asInt()).isBetween(1, 5);
    assertThat(summary.at("/curve")).hasSize(6);
    for (String predictions : List.of("train-ml/predictions/random_forest", "train-dl/predictions/mlp")) {
      assertThat(predictionRows(store().resolve("mnist/lost/" + predictions)))
          .as(predictions + ": every test row once, as in the undisturbed run")
          .isEqualTo(predictionRows(store().resolve("mnist/cluster/" + predictions)));
    }
  }

  @Test
  @Order(3)
  void xgboostAndLightgbmTrainAcrossTheClusterExecutors() throws Exception {
    Dirs.copyTree(store().resolve("mnist/cluster/ingest"), store().resolve("mnist/boosters/ingest"));
    String yaml = Files.readString(config);
    Path boosters = Files.writeString(tmp.resolve("mnist-boosters.yaml"), yaml.substring(0, yaml.indexOf("\ntrain_ml:"))
        + """

            train_ml:
              features:
                numeric: ["pixel{0..195}"]
              algorithms:
                xgboost: {numRound: [20], max_depth: [4]}
                lightgbm: {numIterations: [20], numLeaves: [15]}
            """);
    Path events = Files.createDirectories(tmp.resolve("events-boosters"));
    // Fixed executors (XGBoost's barrier stage refuses dynamic allocation): four of one core, two per worker.
    String out = onTheCluster(events).conf("spark.cores.max", "4").run(tmp.resolve("boosters.log"), RUN_LIMIT,
        "train-ml", "--config", boosters.toString(), "--run-id", "boosters", "--store", store().toString());
    assertThat(out).contains("train-ml: done");
    long testRows = predictionRows(store().resolve("mnist/cluster/train-ml/predictions/random_forest"));
    for (String booster : List.of("xgboost", "lightgbm")) {
      Path predictions = store().resolve("mnist/boosters/train-ml/predictions/" + booster);
      assertThat(predictionRows(predictions)).as(booster + " predicts every test row once").isEqualTo(testRows);
      var p = dev.duet.testing.SparkTestSession.get().read().parquet(predictions.toString());
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

  private SparkSubmit onTheCluster(Path events) {
    return SparkSubmit.to(cluster.masterUrl)
        .conf("spark.executor.cores", "1").conf("spark.executor.memory", "2g")
        .conf("spark.eventLog.enabled", "true").conf("spark.eventLog.dir", events.toUri().toString());
  }

  private String[] run(String runId) {
    return run(config, runId);
  }

  private static String[] run(Path config, String runId) {
    return new String[] {"run", "--config", config.toString(), "--run-id", runId, "--store", store().toString()};
  }

  private static Path store() {
    return tmp.resolve("store");
  }

  /** The rows of a prediction set, after checking that each row id is there once. */
  private long predictionRows(Path dir) {
    // A retried task's output is committed once, never appended beside the lost attempt's.
    var rows = dev.duet.testing.SparkTestSession.get().read().parquet(dir.toString());
    long count = rows.count();
    assertThat(rows.select("row_id").distinct().count()).as(dir + ": row ids once each").isEqualTo(count);
    return count;
  }

  /**
   * Waits for {@code marker} in the driver's log, then for a task started after it that is still
   * running two polls later (a task of some length, not one of the many that end in
   * milliseconds); returns its executor.
   */
  private static String executorRunningATaskAfter(Process driver, Path log, String marker) throws Exception {
    Pattern started = Pattern.compile("Starting task \\S+ in stage \\S+ \\(TID (\\d+)\\) \\([^,]+, executor (\\d+),");
    Pattern finished = Pattern.compile("Finished task \\S+ in stage \\S+ \\(TID (\\d+)\\)");
    Map<String, String> runningBefore = new HashMap<>();
    String[] executor = new String[1];
    await(driver, log, () -> {
      String text;
      try {
        text = Files.readString(log);
      } catch (IOException e) {
        return false;
      }
      int at = text.indexOf(marker);
      if (at < 0) {
        return false;
      }
      Map<String, String> running = new HashMap<>(); // TID -> executor
      Matcher m = started.matcher(text.substring(at));
      while (m.find()) {
        running.put(m.group(1), m.group(2));
      }
      m = finished.matcher(text.substring(at));
      while (m.find()) {
        running.remove(m.group(1));
      }
      running.keySet().stream().filter(runningBefore::containsKey).findFirst()
          .ifPresent(tid -> executor[0] = running.get(tid));
      runningBefore.clear();
      runningBefore.putAll(running);
      return executor[0] != null;
    }, "a running task after '" + marker + "'");
    return executor[0];
  }

  private static void await(Process driver, Path log, BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (!driver.isAlive() || System.nanoTime() > deadline) {
        driver.destroyForcibly();
        throw new AssertionError("the driver " + (driver.isAlive() ? "timed out" : "ended") + " before " + what
            + ":\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
  }
}
