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
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-epoch checkpoints on any Hadoop FileSystem: {@code epoch-N.zip} (network and updater
 * state, via ModelSerializer), {@code best.zip} (the best epoch so far) and {@code state.json}
 * (epoch, best epoch, curve), written last so that a crash mid-write leaves the previous epoch
 * as the one to resume from.
 */
final class Checkpoints {
  static final String STATE = "state.json";
  static final String BEST = "best.zip";

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
    try {
      Path state = new Path(dir, STATE);
      return fs.exists(state) ? Optional.of(Json.read(fs, state)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  MultiLayerNetwork network(int epoch) {
    return read(new Path(dir, "epoch-" + epoch + ".zip"));
  }

  MultiLayerNetwork best() {
    return read(new Path(dir, BEST));
  }

  void save(MultiLayerNetwork net, int epoch, boolean best, ObjectNode state) {
    write(net, new Path(dir, "epoch-" + epoch + ".zip"));
    if (best) {
      write(net, new Path(dir, BEST));
    }
    Json.write(fs, new Path(dir, STATE), state);
  }

  void write(MultiLayerNetwork net, Path file) {
    try (OutputStream out = fs.create(file, true)) {
      ModelSerializer.writeModel(net, out, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private MultiLayerNetwork read(Path file) {
    try (InputStream in = fs.open(file)) {
      return ModelSerializer.restoreMultiLayerNetwork(in, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }
}
