package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Publishing on file:// under a crash at every step (the hdfs:// twin is in HdfsStoreTest). */
class StageOutputTest {
  @TempDir
  Path tmp;

  @ParameterizedTest(name = "earlier output {0}, process survives the failure {1}")
  @CsvSource({"true, false", "true, true", "false, false", "false, true"})
  void aCrashAtAnyStepOfPublishingLosesNoFinishedOutputShowsNoHalfOneAndKeepsTheEpochs(boolean withEarlier,
      boolean processSurvives) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    int crashPoints = PublishFaults.everyCrashPoint(fs, new org.apache.hadoop.fs.Path(tmp.toUri()), withEarlier,
        processSurvives);
    assertThat(crashPoints).as("changes an attempt makes: every one was crashed").isGreaterThan(5);
  }

  @org.junit.jupiter.api.Test
  void anOutputPublishedBeforeReadyMarkersExistedStaysFinished() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path stage = Files.createDirectories(tmp.resolve("run/ingest"));
    Files.writeString(stage.resolve("quality.json"), "{}");
    Files.writeString(stage.resolve(StageOutput.SUCCESS), "");
    StageOutput out = new StageOutput(fs, new org.apache.hadoop.fs.Path(tmp.resolve("run").toUri()), "ingest");
    out.recover();
    assertThat(out.isComplete()).isTrue();
    assertThat(stage.resolve("quality.json")).exists();
  }
}
