package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.cli.DuetMain;
import dev.duet.testing.Cli;
import dev.duet.testing.MessyCsv;
import dev.duet.testing.SparkTestSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process per stage of a run id: the run lease, against real second processes. */
class RunLeaseTest {
  @TempDir
  Path tmp;

  @Test
  void aStageThatAnotherLiveProcessRunsIsRefusedWithExit2NamingItAndTakenOverOnceThatProcessIsKilled()
      throws Exception {
    MessyCsv csv = MessyCsv.write(tmp.resolve("messy.csv"), 300, 5, 1);
    Path conf = Files.writeString(tmp.resolve("messy.yaml"), String.format(MessyCsv.CONFIG, csv.file));
    Path store = tmp.resolve("store");
    Path runDir = store.resolve("messy/r1");
    Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), HoldLease.class.getName(), runDir.toUri().toString(), "ingest")
        .redirectErrorStream(true).start();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = lines.readLine()) != null && !line.startsWith("held ")) {
        // the JVM's start-up chatter
      }
      assertThat(line).as("the second process took the lease").startsWith("held ");
      String[] args = {"ingest", "--config", conf.toString(), "--run-id", "r1", "--store", store.toString()};

      Cli refused = Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));
      assertThat(refused.exitCode()).isEqualTo(DuetMain.USAGE);
      assertThat(refused.errLines()).singleElement().asString()
          .startsWith("duet ingest: ingest of run r1 is being run by pid " + holder.pid() + " on ");
      assertThat(runDir.resolve("ingest")).doesNotExist();

      holder.destroyForcibly().waitFor();
      Cli taken = Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));
      assertThat(taken.exitCode()).as(taken.err()).isZero();
      assertThat(runDir.resolve("ingest/_SUCCESS")).exists();
      assertThat(runDir.resolve(".leases/ingest.2.released")).as("the dead holder's number is not reused").exists();
      assertThat(runDir.resolve(".leases/ingest.1")).doesNotExist();
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void aLeaseOfAnotherHostIsFreeOnlyAfterItsTtlWithoutAHeartbeat() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path run = new org.apache.hadoop.fs.Path(tmp.resolve("run").toUri());
    Path lease = Files.createDirectories(tmp.resolve("run/.leases")).resolve("train-ml.7");
    Files.writeString(lease, "{\"stage\":\"train-ml\",\"pid\":1,\"host\":\"worker-9.example\",\"acquired_at\":\"x\"}");

    assertThatThrownBy(() -> RunLease.acquire(fs, run, "train-ml")).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("pid 1 on worker-9.example");

    Files.setLastModifiedTime(lease, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 121_000));
    try (RunLease taken = RunLease.acquire(fs, run, "train-ml")) {
      assertThat(taken.file().getName()).isEqualTo("train-ml.8");
      assertThat(lease).doesNotExist();
    }
  }

  @Test
  void ofManyRacersForAFreeStageExactlyOneHoldsIt() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path run = new org.apache.hadoop.fs.Path(tmp.resolve("race").toUri());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<RunLease>> racers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        racers.add(() -> {
          try {
            return RunLease.acquire(fs, run, "evaluate");
          } catch (LeaseHeldException e) {
            return null;
          }
        });
      }
      List<RunLease> holders = new ArrayList<>();
      for (Future<RunLease> f : pool.invokeAll(racers)) {
        if (f.get() != null) {
          holders.add(f.get());
        }
      }
      assertThat(holders).hasSize(1);
      holders.get(0).close();
    } finally {
      pool.shutdownNow();
    }
  }
}
