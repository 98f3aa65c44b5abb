package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.store.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The validation gate: a run's best model is blessed only if it beats the bar, the best model of
 * the last blessed run of the same pipeline on the same metric, by more than the margin. The first
 * run with nothing to beat is blessed.
 *
 * <p>Blessings form a chain of claims, {@code <store>/<pipeline>/blessings/<metric>/first.json}
 * and {@code after-<run>.json}: to be blessed over the bar set by run R, a run creates
 * {@code after-R.json}, a create that fails when the file exists. So each bar is passed once: of
 * two evaluations racing over one bar, the one whose claim lands is blessed, and the other is
 * then measured against the winner. A claim is final: a re-evaluation of a blessed run finds its
 * own claim and stays blessed.
 *
 * @param blessed  the decision
 * @param reason   why, in one sentence
 * @param previous the run it was compared with (empty: none)
 */
record Blessing(boolean blessed, String reason, Optional<String> previous, double score, Double previousScore) {
  static final String DIR = "blessings";

  static Blessing decide(FileSystem fs, Path pipelineDir, String runId, Metric m, double best, double margin) {
    Path chain = new Path(new Path(pipelineDir, DIR), m.key());
    JsonNode bar = null;
    for (String link = "first"; ; ) {
      Path claim = new Path(chain, link + ".json");
      JsonNode holder = read(fs, claim);
      if (holder != null) {
        if (runId.equals(holder.path("run_id").asText())) {
          return new Blessing(true, "Blessed when this run was first evaluated (" + m.key() + " "
              + Recommendation.fmt(holder.path("score").asDouble()) + (bar == null ? ", the first bar" : " over run "
              + bar.path("run_id").asText()) + "); a blessing is not decided twice.",
              Optional.ofNullable(bar).map(b -> b.path("run_id").asText()), best,
              bar == null ? null : bar.path("score").asDouble());
        }
        bar = holder;
        link = "after-" + holder.path("run_id").asText();
        continue;
      }
      Blessing decision = against(runId, m, best, margin, bar);
      if (!decision.blessed()) {
        return decision;
      }
      ObjectNode mine = Json.object();
      mine.put("run_id", runId);
      mine.put("metric", m.key());
      Json.putNumber(mine, "score", best);
      mine.put("claimed_at", Instant.now().toString());
      if (Json.createNew(fs, claim, mine)) {
        return decision;
      }
      // Another evaluation passed this bar first: its run is the bar now. Read it on the next turn.
    }
  }

  /** Not blessed, whatever the bar: the best model did not beat the no-skill baseline (the reason says by how much). */
  static Blessing unlearned(double best, String reason) {
    return new Blessing(false, reason, Optional.empty(), best, null);
  }

  private static Blessing against(String runId, Metric m, double best, double margin, JsonNode bar) {
    Optional<String> barRun = Optional.ofNullable(bar).map(b -> b.path("run_id").asText());
    if (Double.isNaN(best)) {
      return new Blessing(false, "The best model has no " + m.key() + " on the test split: nothing to compare.",
          barRun, best, null);
    }
    if (bar == null) {
      return new Blessing(true, "No earlier run of this pipeline was blessed on " + m.key() + ": this one sets the bar.",
          Optional.empty(), best, null);
    }
    double prev = bar.path("score").asDouble();
    boolean beats = m.beats(best, prev, margin);
    String reason = String.format(java.util.Locale.ROOT, "%s %s %s the last blessed run %s (%s) by more than the"
            + " margin %s.", m.key(), Recommendation.fmt(best), beats ? "beats" : "does not beat", barRun.get(),
        Recommendation.fmt(prev), Recommendation.fmt(margin));
    return new Blessing(beats, reason, barRun, best, prev);
  }

  private static JsonNode read(FileSystem fs, Path claim) {
    try {
      if (!fs.exists(claim)) {
        return null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + claim + ": " + e.getMessage(), e);
    }
    // Written by one small create: a claim that still does not parse after a moment is damage.
    for (int attempt = 1; ; attempt++) {
      try {
        JsonNode holder = Json.read(fs, claim);
        if (holder.path("run_id").isTextual()) {
          return holder;
        }
      } catch (UncheckedIOException e) {
        // being written this instant, or damaged
      }
      if (attempt == 20) {
        throw new IllegalStateException("The blessing claim " + claim + " cannot be read: repair or delete it");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while reading " + claim, e);
      }
    }
  }

  ObjectNode toJson(Metric m, String bestModel) {
    ObjectNode j = Json.object();
    j.put("blessed", blessed);
    j.put("reason", reason);
    j.put("metric", m.key());
    j.put("best_model", bestModel);
    Json.putNumber(j, "score", score);
    if (previous.isPresent()) {
      j.put("compared_with_run", previous.get());
      Json.putNumber(j, "compared_with_score", previousScore == null ? Double.NaN : previousScore);
    } else {
      j.putNull("compared_with_run");
    }
    return j;
  }
}
