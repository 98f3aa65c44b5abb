package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetMain;
import dev.duet.testing.Cli;
import dev.duet.testing.MessyCsv;
import dev.duet.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same ingest with its input and its store on a real HDFS (an in-process MiniDFSCluster). */
class HdfsIngestTest {
  private static MiniDFSCluster hdfs;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  @Test
  void ingestsFromAndPublishesToHdfs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    String base = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
    MessyCsv csv = MessyCsv.write(tmp.resolve("messy.csv"), 2_000, 100, 3);
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(csv.file.toUri()), new org.apache.hadoop.fs.Path(base + "/raw/messy.csv"));
    Path conf = Files.writeString(tmp.resolve("messy.yaml"), String.format(MessyCsv.CONFIG, base + "/raw/messy.csv"));

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
}
