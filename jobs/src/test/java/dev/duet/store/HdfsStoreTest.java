package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetMain;
import dev.duet.testing.Cli;
import dev.duet.testing.MessyCsv;
import dev.duet.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stages with their input and their store on a real HDFS (an in-process MiniDFSCluster). */
@Tag("hdfs")
class HdfsStoreTest {
  private static MiniDFSCluster hdfs;
  /**
   * A client closing a file waits for the namenode to learn of its last block, first 400 ms, then
   * twice as long each retry: for a single local datanode that answers in milliseconds, 20 ms (as
   * Hadoop's own tests set it). Measured 2026-12-07: the crash-point test 41 s -> 8 s.
   */
  private static final Map<String, String> CLIENT_DELAY =
      Map.of("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", "20");

  @TempDir
  static Path tmp;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
    CLIENT_DELAY.forEach(conf::set);
    CLIENT_DELAY.forEach(SparkTestSession.get().sparkContext().hadoopConfiguration()::set);
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
  }

  @AfterAll
  static void stopHdfs() {
    CLIENT_DELAY.keySet().forEach(SparkTestSession.get().sparkContext().hadoopConfiguration()::unset);
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  @Test
  void ingestsFromAndPublishesToHdfs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    String base = base();
    MessyCsv csv = MessyCsv.write(tmp.resolve("messy.csv"), 2_000, 100, 3);
    Path conf = configOnHdfs(csv, "");

    String[] args = {"ingest", "--config", conf.toString(), "--run-id", "hdfs-1", "--store", base + "/duet"};
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));

    assertThat(r.exitCode()).as(r.err()).isZero();
    org.apache.hadoop.fs.Path stage = new org.apache.hadoop.fs.Path(base + "/duet/messy/hdfs-1/ingest");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(stage, "_SUCCESS"))).isTrue();
    JsonNode quality = Json.read(fs, new org.apache.hadoop.fs.Path(stage, "quality.json"));
    assertThat(quality.at("/rows/read").asLong()).isEqualTo(csv.total());
    assertThat(quality.at("/rows/clean").asLong()).isEqualTo(2_000);
    assertThat(quality.at("/rows/duplicates_removed").asLong()).isEqualTo(100);
    assertThat(quality.at("/quarantine_by_rule/parse").asLong()).isEqualTo(300);
    assertThat(SparkTestSession.get().read().parquet(stage + "/clean").count()).isEqualTo(2_000);
    assertThat(Json.read(fs, new org.apache.hadoop.fs.Path(stage, "manifest.json")).at("/inputs/0/path").asText())
        .startsWith("hdfs://");
    assertThat(fs.globStatus(new org.apache.hadoop.fs.Path(base + "/duet/messy/hdfs-1/.ingest*"))).isEmpty();

    Cli again = Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));
    assertThat(again.out()).contains("skipping");
  }

  @Test
  void runsThePipelineFromAndIntoHdfs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    String base = base();
    Path conf = configOnHdfs(MessyCsv.write(tmp.resolve("messy-ml.csv"), 2_000, 10, 4),
        MessyCsv.TRAIN_ML + MessyCsv.TRAIN_DL);
    String[] args = {"run", "--config", conf.toString(), "--run-id", "hdfs-ml", "--store", base + "/duet"};
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("run: messy run hdfs-ml: ingest -> train-ml -> train-dl -> evaluate")
        .contains("evaluate: report: " + base + "/duet/messy/hdfs-ml/evaluate/report.html");
    String stage = base + "/duet/messy/hdfs-ml/train-ml";
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(stage, "_SUCCESS"))).isTrue();
    long test = SparkTestSession.get().read().parquet(base + "/duet/messy/hdfs-ml/ingest/clean").where("split = 'test'").count();
    for (String a : new String[] {"random_forest", "linear", "knn"}) {
      assertThat(SparkTestSession.get().read().parquet(stage + "/predictions/" + a).count()).as(a).isEqualTo(test);
    }
    assertThat(org.apache.spark.ml.PipelineModel.load(stage + "/models/random_forest").stages()).isNotEmpty();
    assertThat(Json.read(fs, new org.apache.hadoop.fs.Path(stage, "models/knn/knn.json")).at("/k").asInt()).isEqualTo(3);
    String evaluate = base + "/duet/messy/hdfs-ml/evaluate";
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(evaluate, "report.html"))).isTrue();
    assertThat(Json.read(fs, new org.apache.hadoop.fs.Path(evaluate, "report.json")).at("/leaderboard")).hasSize(4);
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(base + "/duet/messy/hdfs-ml/train-dl/checkpoints/mlp/epoch-1.zip")))
        .isTrue();
    assertThat(Json.read(fs, new org.apache.hadoop.fs.Path(evaluate, "manifest.json")).at("/lineage/ingest/path").asText())
        .startsWith("hdfs://");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(evaluate, "leaderboard-row.json"))).isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(base + "/duet/messy/blessings/roc_auc/first.json"))).isTrue();
  }

  @Test
  void aCrashAtAnyStepOfPublishingOnHdfsLosesNoFinishedOutputShowsNoHalfOneAndKeepsTheEpochs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(base() + "/crashes");
    // One variant here (an earlier output, the process killed): StageOutputTest runs all four on file://.
    assertThat(PublishFaults.everyCrashPoint(fs, root, true, false)).isGreaterThan(5);
  }

  @Test
  void aSecondHolderOfAStageOnHdfsIsRefusedUntilTheFirstReleases() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    org.apache.hadoop.fs.Path run = new org.apache.hadoop.fs.Path(base() + "/leases/run-1");
    try (RunLease first = RunLease.acquire(fs, run, "ingest")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunLease.acquire(fs, run, "ingest"))
          .isInstanceOf(LeaseHeldException.class).hasMessageContaining("pid " + ProcessHandle.current().pid());
    }
    RunLease.acquire(fs, run, "ingest").close();
  }

  private static String base() {
    return "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
  }

  /** Uploads the CSV to HDFS and writes a local config that reads it from there. */
  private static Path configOnHdfs(MessyCsv csv, String trainMl) throws java.io.IOException {
    String name = csv.file.getFileName().toString();
    String onHdfs = base() + "/raw/" + name;
    hdfs.getFileSystem().copyFromLocalFile(new org.apache.hadoop.fs.Path(csv.file.toUri()), new org.apache.hadoop.fs.Path(onHdfs));
    return Files.writeString(tmp.resolve(name + ".yaml"), String.format(MessyCsv.CONFIG, onHdfs) + trainMl);
  }
}
