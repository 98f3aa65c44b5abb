package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The pipeline-level leaderboard across runs: {@code <store>/<pipeline>/leaderboard/<run-id>.json},
 * one file per evaluated run. A run writes only its own file (a temporary sibling renamed into
 * place), so concurrent evaluations never overwrite each other's rows and need no lock; readers
 * list the directory.
 */
final class Leaderboard {
  static final String DIR = "leaderboard";

  private final FileSystem fs;
  private final Path dir;

  Leaderboard(RunStore store, String pipeline) {
    this.fs = store.fs();
    this.dir = new Path(store.pipelineDir(pipeline), DIR);
  }

  Path dir() {
    return dir;
  }

  /** Every run's entry, oldest evaluation first (unreadable leftovers are skipped). */
  List<JsonNode> entries() {
    try {
      if (!fs.exists(dir)) {
        return List.of();
      }
      List<JsonNode> all = new ArrayList<>();
      for (FileStatus f : fs.listStatus(dir)) {
        if (f.isFile() && f.getPath().getName().endsWith(".json") && !f.getPath().getName().startsWith(".")) {
          all.add(Json.read(fs, f.getPath()));
        }
      }
      all.sort(Comparator.comparing(e -> e.path("evaluated_at").asText()));
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the leaderboard " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes (or, for a forced re-evaluation, replaces) this run's entry. */
  void put(String runId, ObjectNode entry) {
    Path target = new Path(dir, runId + ".json");
    Path temp = new Path(dir, "." + runId + "." + UUID.randomUUID() + ".tmp");
    try {
      fs.mkdirs(dir);
      Json.write(fs, temp, entry);
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(temp, target)) {
        throw new IOException("rename of " + temp + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the leaderboard entry " + target + ": " + e.getMessage(), e);
    }
  }
}
