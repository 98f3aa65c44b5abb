package dev.duet.traindl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.store.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-epoch checkpoints on any Hadoop FileSystem: {@code epoch-N.zip} (network and updater
 * state, via ModelSerializer) and {@code state.json} (epoch, best epoch, curve), replaced last
 * so that a crash mid-write leaves the previous epoch as the one to resume from. The best
 * network is the epoch-N.zip that state.json names.
 */
final class Checkpoints {
  static final String STATE = "state.json";

  private final FileSystem fs;
  private final Path dir;

  Checkpoints(FileSystem fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** The state of the last finished epoch, if an earlier attempt left one. */
  Optional<JsonNode> state() {
    // save() replaces state.json by renaming a complete state.json.tmp over it: a crash between
    // the delete and the rename leaves only the tmp, and a tmp cut short (a crash while writing
    // the first epoch's) does not parse and means no checkpoint yet.
    for (Path file : new Path[] {new Path(dir, STATE), new Path(dir, STATE + ".tmp")}) {
      try {
        if (fs.exists(file)) {
          return Optional.of(Json.read(fs, file));
        }
      } catch (IOException | UncheckedIOException e) {
        // unreadable: try the next
      }
    }
    return Optional.empty();
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

  void save(ComputationGraph net, int epoch, ObjectNode state) {
    write(net, new Path(dir, "epoch-" + epoch + ".zip"));
    Path tmp = new Path(dir, STATE + ".tmp");
    Json.write(fs, tmp, state);
    try {
      fs.delete(new Path(dir, STATE), false);
      if (!fs.rename(tmp, new Path(dir, STATE))) {
        throw new IOException("rename failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot replace " + new Path(dir, STATE) + ": " + e.getMessage(), e);
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
