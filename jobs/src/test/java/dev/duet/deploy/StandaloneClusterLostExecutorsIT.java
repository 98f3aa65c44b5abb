package dev.duet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.EventLog;
import dev.duet.testing.SharedCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A run on the standalone cluster (testing/SharedCluster) that loses executors and then its
 * driver: the lost tasks are retried, no row is lost or doubled, and the rerun resumes from the
 * finished stages and the last checkpoint.
 */
@ExtendWith(SharedCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterLostExecutorsIT {
  private SharedCluster.Fixture cluster;
  private Path tmp;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void theSharedCluster(SharedCluster.Fixture cluster) throws IOException {
    this.cluster = cluster;
    this.tmp = cluster.dir("lost");
  }

  @Test
  void lostExecutorsCostRetriesNotRowsAndARunWhoseDriverDiedResumesFromTheFinishedStagesAndTheLastCheckpoint()
      throws Exception {
    // One run takes every blow: an executor lost during train-ml, another during train-dl's
    // epochs, then the driver itself (SIGKILL) once the first epoch's checkpoint is written.
    cluster.ingestedAs("lost");
    // A wider network than the other runs', over more epochs: its averaging rounds (ten minibatches
    // a task) last long enough on 196 pixels for a kill to find one running, and its training long
    // enough for the cluster to replace both executors before the driver goes. The forest alone in
    // train-ml: the kill lands in its jobs, and the linear model would only add minutes.
    Path wider = Files.writeString(tmp.resolve("mnist-lost.yaml"), Files.readString(cluster.config)
        .replace("hidden: [64]", "hidden: [1024, 1024]").replace("epochs: 3", "epochs: 4").replace("patience: 3", "patience: 4")
        .replaceFirst("\\n    linear: \\{[^}]*}", ""));
    Path events = Files.createDirectories(tmp.resolve("events"));
    Path logFile = tmp.resolve("lost-1.log");
    Process driver = cluster.onTheCluster(events).conf("spark.cores.max", "2").start(logFile, cluster.run(wider, "lost"));
    cluster.cluster.killExecutor(executorRunningATaskAfter(driver, logFile, "train-ml: [1/1] random_forest"));
    assertThat(Files.readString(logFile)).as("killed while train-ml ran").doesNotContain("train-ml: done");
    cluster.cluster.killExecutor(executorRunningATaskAfter(driver, logFile, "train-dl: mlp: epoch 1/4"));
    assertThat(Files.readString(logFile)).as("killed while train-dl ran").doesNotContain("train-dl: done");
    // The event log records each loss and each replacement as the driver learns of it: both kills
    // and both replacements are on record before the driver itself goes.
    await(driver, logFile, () -> EventLog.count(events, "SparkListenerExecutorRemoved") >= 2
        && EventLog.count(events, "SparkListenerExecutorAdded") >= 4,
        "both lost executors and their replacements in the event log");
    // The resume point: an epoch's state is written after its network, so it names a complete one.
    Path checkpoint = cluster.store().resolve("mnist/lost/train-dl.checkpoints/mlp/state-1.json");
    await(driver, logFile, () -> Files.isRegularFile(checkpoint), "the first epoch's checkpoint");
    driver.destroyForcibly().waitFor(); // SIGKILL: the driver gets no chance to clean up
    assertThat(cluster.store().resolve("mnist/lost/train-dl/_SUCCESS")).doesNotExist();

    EventLog log = EventLog.onlyIn(events);
    assertThat(log.executorsRemoved()).as("both kills were seen").isGreaterThanOrEqualTo(2);
    assertThat(log.executorsAdded()).as("the cluster replaced them").isGreaterThanOrEqualTo(4);
    long lostMl = log.tasksLostWithTheirExecutor("train-ml:");
    long lostDl = log.tasksLostWithTheirExecutor("train-dl:");
    System.out.printf("lost executors: %d task(s) of train-ml, %d of train-dl failed with their executor%n", lostMl, lostDl);
    // A kill can land between two jobs (the random forest's tasks here last well under a second):
    // then the stage loses the executor's cached blocks and shuffle files, not a running task.
    assertThat(lostMl + lostDl).as("a kill hit a running task, which Spark ran again").isPositive();

    String out = cluster.onTheCluster(Files.createDirectories(tmp.resolve("events-resumed"))).conf("spark.cores.max", "2")
        .run(tmp.resolve("lost-2.log"), SharedCluster.RUN_LIMIT, cluster.run(wider, "lost"));
    assertThat(out).contains("ingest: run lost already finished this stage, skipping")
        .contains("train-ml: run lost already finished this stage, skipping")
        .containsPattern("train-dl: mlp: resuming after epoch [1-3] from")
        .contains("train-dl: mlp: 4 epochs").contains("run: mnist run lost finished");
    JsonNode summary = json.readTree(cluster.store().resolve("mnist/lost/train-dl/train-dl.json").toFile()).at("/networks/0");
    assertThat(summary.at("/resumed_from_epoch").asInt()).isBetween(1, 3);
    assertThat(summary.at("/curve")).hasSize(4);
    for (String predictions : List.of("train-ml/predictions/random_forest", "train-dl/predictions/mlp")) {
      assertThat(SharedCluster.Fixture.predictionRows(cluster.store().resolve("mnist/lost/" + predictions)))
          .as(predictions + ": every test row once, as in the undisturbed run")
          .isEqualTo(SharedCluster.Fixture.predictionRows(cluster.store().resolve("mnist/cluster/" + predictions)));
    }
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
    long deadline = System.nanoTime() + SharedCluster.RUN_LIMIT.toNanos();
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
