package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.contracts.StageLayout;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's leaderboard across runs: the row each published evaluation holds
 * ({@code <store>/<pipeline>/<run-id>/evaluate/leaderboard-row.json}). A row exists exactly when
 * its evaluation was published, so a failed evaluation leaves none behind, and concurrent
 * evaluations need no lock to add theirs.
 */
final class Leaderboard {
  static final String ROW = "leaderboard-row.json";
  private static final Logger LOG = LoggerFactory.getLogger(Leaderboard.class);

  private final FileSystem fs;
  private final Path pipelineDir;

  Leaderboard(RunStore store, String pipeline) {
    this.fs = store.fs();
    this.pipelineDir = store.pipelineDir(pipeline);
  }

  /** Every published evaluation's row, oldest first; a row that cannot be read is skipped with a warning. */
  List<JsonNode> entries() {
    FileStatus[] published;
    try {
      published = fs.globStatus(new Path(pipelineDir, "*/" + StageLayout.EVALUATE + "/" + StageOutput.SUCCESS));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the evaluations in " + pipelineDir + ": " + e.getMessage(), e);
    }
    List<JsonNode> rows = new ArrayList<>();
    for (FileStatus success : published == null ? new FileStatus[0] : published) {
      Path row = new Path(success.getPath().getParent(), ROW);
      try {
        JsonNode entry = Json.read(fs, row);
        if (!entry.path("run_id").isTextual() || !entry.path("evaluated_at").isTextual()) {
          throw new IOException("no run_id or evaluated_at");
        }
        rows.add(entry);
      } catch (IOException | UncheckedIOException e) {
        LOG.warn("evaluate: leaderboard row {} cannot be read ({}): left out", row, e.getMessage());
      }
    }
    rows.sort(Comparator.comparing(e -> e.path("evaluated_at").asText()));
    return rows;
  }
}
