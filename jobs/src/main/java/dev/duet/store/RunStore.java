package dev.duet.store;

import dev.duet.contracts.StageLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The shared store: any Hadoop FileSystem URI (file://, hdfs://, s3a://). Stages meet only
 * here, under {@code <store>/<pipeline>/<run-id>/<stage>/}.
 */
public final class RunStore {
  public static final String DEFAULT_URI = "./artifacts";

  private final FileSystem fs;
  private final Path root;

  private RunStore(FileSystem fs, Path root) {
    this.fs = fs;
    this.root = root;
  }

  /** A store URI; a bare path (relative or absolute) means the local file system. */
  public static RunStore open(String uri, Configuration hadoopConf) {
    try {
      Path path = new Path(uri);
      URI u = path.toUri();
      FileSystem fs = u.getScheme() == null ? FileSystem.getLocal(hadoopConf) : path.getFileSystem(hadoopConf);
      return new RunStore(fs, fs.makeQualified(path));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open store " + uri + ": " + e.getMessage(), e);
    }
  }

  public FileSystem fs() {
    return fs;
  }

  public Path root() {
    return root;
  }

  /** Everything of one pipeline: its runs, and pipeline-level files such as the leaderboard. */
  public Path pipelineDir(String pipeline) {
    requireId("pipeline", pipeline);
    return new Path(root, pipeline);
  }

  public Path runDir(String pipeline, String runId) {
    requireId("run id", runId);
    return new Path(pipelineDir(pipeline), runId);
  }

  /** {@code <store>/verdict/}, published as a stage output is. */
  public StageOutput verdict() {
    return new StageOutput(fs, root, StageLayout.VERDICT);
  }

  /** {@code <store>/<pipeline>/score/<scoring-run>/}, published as a stage output is. */
  public StageOutput scoring(String pipeline, String scoringRunId) {
    requireId("scoring run id", scoringRunId);
    return new StageOutput(fs, new Path(pipelineDir(pipeline), StageLayout.SCORE), scoringRunId);
  }

  public StageOutput stage(String pipeline, String runId, String stage) {
    return new StageOutput(fs, runDir(pipeline, runId), stage);
  }

  /** The run of {@code pipeline} that finished one of {@code stages} most recently, if any. */
  public Optional<String> latestRunWith(String pipeline, String... stages) {
    return latestRunWith(pipeline, run -> true, stages);
  }

  /** As {@link #latestRunWith(String, String...)}, among the runs {@code considered} accepts. */
  public Optional<String> latestRunWith(String pipeline, java.util.function.Predicate<String> considered,
      String... stages) {
    requireId("pipeline", pipeline);
    try {
      Path dir = new Path(root, pipeline);
      if (!fs.exists(dir)) {
        return Optional.empty();
      }
      String latest = null;
      long latestTime = Long.MIN_VALUE;
      for (FileStatus run : fs.listStatus(dir)) {
        if (!considered.test(run.getPath().getName())) {
          continue;
        }
        for (String stage : stages) {
          Path success = new Path(new Path(run.getPath(), stage), StageOutput.SUCCESS);
          if (run.isDirectory() && fs.exists(success)) {
            long t = fs.getFileStatus(success).getModificationTime();
            if (t > latestTime) {
              latestTime = t;
              latest = run.getPath().getName();
            }
          }
        }
      }
      return Optional.ofNullable(latest);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the runs of " + pipeline + " in " + root + ": " + e.getMessage(), e);
    }
  }

  private static void requireId(String what, String id) {
    if (id == null || !StageLayout.ID.matcher(id).matches() || id.contains("..")) {
      throw new IllegalArgumentException("Invalid " + what + " '" + id
          + "': use letters, digits, '-', '_' and '.'");
    }
  }
}
