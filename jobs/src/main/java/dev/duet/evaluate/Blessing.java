package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.store.Json;
import java.util.List;
import java.util.Optional;

/**
 * The validation gate: a run's best model is blessed only if it beats the best model of the last
 * blessed run of the same pipeline by more than the margin, on the same metric. The first run with
 * nothing to beat is blessed.
 *
 * @param blessed  the decision
 * @param reason   why, in one sentence
 * @param previous the run it was compared with (empty: none)
 */
record Blessing(boolean blessed, String reason, Optional<String> previous, double score, Double previousScore) {

  static Blessing decide(String runId, Metric m, double best, double margin, List<JsonNode> leaderboard) {
    Optional<JsonNode> last = leaderboard.stream()
        .filter(e -> e.path("blessed").asBoolean() && !runId.equals(e.path("run_id").asText()))
        .filter(e -> m.key().equals(e.path("metric").asText()))
        .reduce((a, b) -> b); // entries come oldest first
    if (Double.isNaN(best)) {
      return new Blessing(false, "The best model has no " + m.key() + " on the test split: nothing to compare.",
          last.map(e -> e.path("run_id").asText()), best, null);
    }
    if (last.isEmpty()) {
      return new Blessing(true, "No earlier run of this pipeline was blessed on " + m.key() + ": this one sets the bar.",
          Optional.empty(), best, null);
    }
    String prevRun = last.get().path("run_id").asText();
    double prev = last.get().path("best_score").asDouble();
    boolean beats = m.beats(best, prev, margin);
    String reason = String.format(java.util.Locale.ROOT, "%s %s %s the last blessed run %s (%s) by more than the"
            + " margin %s.", m.key(), Recommendation.fmt(best), beats ? "beats" : "does not beat", prevRun,
        Recommendation.fmt(prev), Recommendation.fmt(margin));
    return new Blessing(beats, reason, Optional.of(prevRun), best, prev);
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
