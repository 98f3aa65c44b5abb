package dev.duet.traindl;

import dev.duet.store.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-epoch checkpoints on any Hadoop FileSystem: {@code epoch-N.zip} (network and updater
 * state, via ModelSerializer), then {@code state-N.json} (epoch, best epoch, curve). A state file
 * is written under a hidden name and renamed to its own new name, never over another, so every
 * {@code state-N.json} is whole on file:// and hdfs:// and the highest one names the epoch to
 * resume after; a crash mid-epoch leaves the one before. The best network is the epoch-N.zip
 * that state names: written before its state, never rewritten after.
 */
final class Checkpoints {
  private static final Pattern STATE = Pattern.compile("state-(\\d+)\\.json");

  private final FileSystem fs;
  private final Path dir;

  Checkpoints(FileSystem fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /**
   * The state of the last finished epoch, if an earlier attempt left one. One that cannot be
   * read is an error naming it: starting over silently would throw the finished epochs away.
   */
  Optional<TrainState> state() {
    Path latest = null;
    int latestEpoch = -1;
    try {
      if (!fs.exists(dir)) {
        return Optional.empty();
      }
      for (FileStatus f : fs.listStatus(dir)) {
        Matcher m = STATE.matcher(f.getPath().getName());
        if (m.matches() && Integer.parseInt(m.group(1)) > latestEpoch) {
          latestEpoch = Integer.parseInt(m.group(1));
          latest = f.getPath();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the checkpoints in " + dir + ": " + e.getMessage(), e);
    }
    if (latest == null) {
      return Optional.empty();
    }
    try {
      TrainState state = TrainState.fromJson(Json.read(fs, latest));
      if (state.epoch() != latestEpoch) {
        throw new IOException("it is the state of epoch " + state.epoch() + ", not " + latestEpoch);
      }
      return Optional.of(state);
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      throw new IllegalStateException("Cannot read the resume state " + latest + " (" + e.getMessage() + "): repair"
          + " or delete that file to resume after the epoch before it", e);
    }
  }

  /** Deletes every checkpoint (they belong to another config). */
  void clear() {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  ComputationGraph network(int epoch) {
    return read(new Path(dir, "epoch-" + epoch + ".zip"));
  }

  void save(ComputationGraph net, TrainState state) {
    int epoch = state.epoch();
    write(net, new Path(dir, "epoch-" + epoch + ".zip"));
    Path file = new Path(dir, "state-" + epoch + ".json");
    Path hidden = new Path(dir, ".state-" + epoch + ".json.tmp");
    Json.write(fs, hidden, state.toJson());
    try {
      fs.delete(file, false); // left by an attempt whose later state could not be read and was deleted
      if (!fs.rename(hidden, file)) {
        throw new IOException("rename failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  void write(ComputationGraph net, Path file) {
    try (OutputStream out = fs.create(file, true)) {
      ModelSerializer.writeModel(net, out, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private ComputationGraph read(Path file) {
    try (InputStream in = fs.open(file)) {
      return ModelSerializer.restoreComputationGraph(in, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }
}
