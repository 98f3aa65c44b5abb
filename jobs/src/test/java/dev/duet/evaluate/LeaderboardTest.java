package dev.duet.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderboardTest {
  @TempDir
  Path tmp;

  @Test
  void holdsTheRowsOfPublishedEvaluationsOnlyAndSkipsOneThatCannotBeRead() throws Exception {
    evaluation("r1", "{\"run_id\": \"r1\", \"evaluated_at\": \"2026-12-01T10:00:00Z\", \"blessed\": true}", true);
    evaluation("r2", "{\"run_id\": \"r2\", \"evaluated_at\": \"2026-12-01T11:0", true); // cut short by a full disk
    evaluation("r3", "{\"run_id\": \"r3\", \"evaluated_at\": \"2026-12-01T12:00:00Z\", \"blessed\": true}", false);
    evaluation("r4", "{\"run_id\": \"r4\", \"evaluated_at\": \"2026-12-01T09:00:00Z\", \"blessed\": false}", true);

    Leaderboard board = new Leaderboard(RunStore.open(tmp.resolve("store").toString(), new Configuration()), "p");

    assertThat(board.entries()).extracting(e -> e.path("run_id").asText())
        .as("oldest first; r2 unreadable, r3 never published").containsExactly("r4", "r1");
  }

  private void evaluation(String run, String row, boolean published) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("store/p").resolve(run).resolve(published ? "evaluate" : ".evaluate.x.tmp"));
    Files.writeString(dir.resolve(Leaderboard.ROW), row);
    if (published) {
      Files.writeString(dir.resolve("_SUCCESS"), "");
    }
  }
}
