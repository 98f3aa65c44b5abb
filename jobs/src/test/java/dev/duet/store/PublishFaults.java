package dev.duet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.CrashingFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Crashes a stage's attempt at every change it makes to the store, one crash per try, then
 * reruns it, on any file system: the matrix behind the publishing promises, shared by the
 * file:// and hdfs:// tests.
 */
final class PublishFaults {
  static final String STAGE = "train-dl";
  static final String CARRIED = "checkpoints";
  private static final Map<String, String> V1 = Map.of("data/part-0", "v1 rows", "summary.json", "{\"v\":1}");
  private static final Map<String, String> V2 = Map.of("data/part-0", "v2 rows a", "data/part-1", "v2 rows b",
      "summary.json", "{\"v\":2}", CARRIED + "/mlp/epoch-3.zip", "epoch 3");

  private PublishFaults() {}

  /**
   * For every crash point: a run with an earlier published output (when {@code withEarlier}) and
   * three finished epochs is crashed while making its new output, then looked at as a reader
   * would, then recovered and rerun. Returns how many crash points were tried.
   */
  static int everyCrashPoint(FileSystem fs, Path root, boolean withEarlier, boolean processSurvives) throws IOException {
    for (int crashAt = 0; ; crashAt++) {
      Path runDir = new Path(root, (withEarlier ? "earlier-" : "first-") + (processSurvives ? "thrown-" : "killed-") + crashAt);
      if (withEarlier) {
        attempt(fs, runDir, V1, false);
      }
      write(fs, new Path(runDir, STAGE + "." + CARRIED + "/mlp/epoch-3.zip"), "epoch 3");

      CrashingFileSystem crashing = new CrashingFileSystem(fs, crashAt);
      try {
        attempt(crashing, runDir, V2, processSurvives);
      } catch (IOException | RuntimeException e) {
        assertThat(crashing.crashed()).as("failed without the injected crash: %s", e).isTrue();
      }
      String at = "crash at change " + crashAt;
      Map<String, String> visible = visible(fs, runDir);
      if (visible != null) {
        assertThat(visible).as("what a reader sees before recovery, %s", at).isIn(V1, V2);
      }

      StageOutput recovered = new StageOutput(fs, runDir, STAGE);
      recovered.carry(CARRIED);
      recovered.recover();
      Map<String, String> after = visible(fs, runDir);
      if (withEarlier) {
        assertThat(after).as("finished output after recovery, %s", at).isNotNull();
      }
      if (after != null) {
        assertThat(after).as(at).isIn(V1, V2);
      }
      if (!V2.equals(after)) {
        assertThat(read(fs, new Path(runDir, STAGE + "." + CARRIED + "/mlp/epoch-3.zip")))
            .as("the finished epochs survive until the output holding them is published, %s", at).isEqualTo("epoch 3");
      }
      assertThat(fs.globStatus(new Path(runDir, "." + STAGE + ".*"))).as("leftovers after recovery, %s", at).isEmpty();

      if (!V2.equals(after)) {
        attempt(fs, runDir, V2, false);
      }
      assertThat(visible(fs, runDir)).as("after the rerun, %s", at).isEqualTo(V2);
      assertThat(fs.exists(new Path(runDir, STAGE + "." + CARRIED))).as(at).isFalse();
      assertThat(fs.globStatus(new Path(runDir, "." + STAGE + ".*"))).as(at).isEmpty();
      if (!crashing.crashed()) {
        return crashAt; // the whole attempt fitted in crashAt changes: every step has been crashed
      }
    }
  }

  /** One attempt of the stage as StageCommand runs it: recover, begin, write, publish (abort on failure). */
  private static void attempt(FileSystem fs, Path runDir, Map<String, String> files, boolean abortOnFailure)
      throws IOException {
    StageOutput out = new StageOutput(fs, runDir, STAGE);
    out.carry(CARRIED);
    out.recover();
    out.begin();
    try {
      for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
        if (!f.getKey().startsWith(CARRIED + "/")) {
          write(fs, out.work(f.getKey()), f.getValue());
        }
      }
      out.publish(Json.object().put("stage", STAGE));
    } catch (RuntimeException | IOException e) {
      if (abortOnFailure) {
        out.abort();
      }
      throw e;
    }
  }

  /** The published output as a reader trusts it (null without _SUCCESS): file → content, bookkeeping left out. */
  static Map<String, String> visible(FileSystem fs, Path runDir) throws IOException {
    Path dir = new Path(runDir, STAGE);
    if (!fs.exists(new Path(dir, StageOutput.SUCCESS))) {
      return null;
    }
    Map<String, String> files = new TreeMap<>();
    String prefix = dir.toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      FileStatus f = it.next();
      String rel = f.getPath().toUri().getPath().substring(prefix.length());
      if (!rel.equals(StageOutput.SUCCESS) && !rel.equals(StageOutput.READY) && !rel.equals(StageOutput.MANIFEST)) {
        files.put(rel, read(fs, f.getPath()));
      }
    }
    return files;
  }

  private static void write(FileSystem fs, Path file, String content) throws IOException {
    try (OutputStream out = fs.create(file, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
