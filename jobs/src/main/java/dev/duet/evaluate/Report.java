package dev.duet.evaluate;

import dev.duet.contracts.ModelCard.CurvePoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.PipelineConfig.DataKind;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.store.Json;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Everything the evaluate stage concluded about one run: rendered as report.html and report.json. */
record Report(
    String pipeline,
    String runId,
    String task,
    String label,
    DataKind dataKind,
    double tieMargin,
    int classes,
    List<String> classNames,
    long testRows,
    Metric metric,
    String evaluatedAt,
    List<Scored> ranked,
    Significance significance,
    Recommendation recommendation,
    HeadToHead headToHead,
    Blessing blessing,
    List<String> missing,
    Map<String, byte[]> charts,
    Map<String, List<CurvePoint>> learningCurves,
    Budgets budgets,
    List<JsonNode> history,
    String version) {

  Scored best() {
    return ranked.get(0);
  }

  ObjectNode toJson() {
    ObjectNode j = Json.object();
    j.put("pipeline", pipeline);
    j.put("run_id", runId);
    j.put("task", task);
    j.put("label", label);
    j.put("data_kind", dataKind.name().toLowerCase(Locale.ROOT));
    j.put("tie_margin", tieMargin);
    j.put("classes", classes);
    classNames.forEach(j.putArray("class_names")::add);
    j.put("test_rows", testRows);
    j.put("metric", metric.key());
    j.put("evaluated_at", evaluatedAt);
    ArrayNode board = j.putArray("leaderboard");
    for (Scored s : ranked) {
      Candidate c = s.candidate();
      ObjectNode e = board.addObject();
      e.put("model", c.id());
      e.put("family", c.card().family().title());
      Json.putNumber(e, "score", s.score(metric));
      e.set("lift", Significance.json(significance.lifts().get(c.id())));
      e.put("learned", significance.learned(s));
      e.set("metrics", s.metrics().json());
      e.put("predictions", c.predictions().toString());
      e.put("model_path", c.model().toString());
      e.put("train_rows", c.card().trainRows());
      e.put("train_seconds", c.card().trainSeconds());
      e.put("train_executor_cpu_seconds", c.card().trainCpuSeconds());
      e.put("gpus", c.card().gpus());
      e.put("model_bytes", c.card().modelBytes());
      Json.putNumber(e, "scoring_rows_per_second", c.scoringRowsPerSecond());
      e.put("interpretability", c.card().interpretability().name().toLowerCase());
      e.put("interpretability_note", c.card().interpretabilityNote());
      ArrayNode top = e.putArray("top_features");
      c.card().topFeatures().forEach(top::add);
      ArrayNode permuted = e.putArray("permutation_importance");
      c.permutationTop(10).forEach(p -> Json.putNumber(permuted.addObject().put("column", p.getKey()), "importance",
          p.getValue()));
    }
    j.set("no_skill_baseline", significance.baselineJson(metric));
    j.put("learned", significance.learned(best()));
    Optional<Scored> classic = Scored.bestOf(ranked, Family.CLASSIC);
    Optional<Scored> deep = Scored.bestOf(ranked, Family.DEEP);
    if (classic.isPresent() && deep.isPresent()) {
      ObjectNode gap = Significance.json(significance.deepOverClassic().orElseThrow());
      gap.put("direction", "best network minus best classic model, positive: the network is better");
      j.set("deep_over_classic", gap);
      j.put("winner", significance.winner(classic.get(), deep.get(), tieMargin));
    }
    ArrayNode h2h = j.putArray("head_to_head");
    for (String[] row : headToHead.rows()) {
      ObjectNode r = h2h.addObject();
      r.put("dimension", row[0]);
      r.put("classic_ml", row[1]);
      r.put("deep_learning", row[2]);
    }
    ObjectNode rec = j.putObject("recommendation");
    if (recommendation.choice().isPresent()) {
      rec.put("model", recommendation.choice().get().candidate().id());
      rec.put("family", recommendation.choice().get().candidate().card().family().title());
    } else {
      rec.putNull("model");
      rec.putNull("family");
    }
    rec.put("verdict", recommendation.verdict());
    ArrayNode reasons = rec.putArray("reasons");
    recommendation.reasons().forEach(reasons::add);
    j.set("blessing", blessing.toJson(metric, best().candidate().id()));
    ArrayNode miss = j.putArray("missing");
    missing.forEach(miss::add);
    ObjectNode curves = j.putObject("learning_curve");
    learningCurves.forEach((model, points) -> {
      ArrayNode a = curves.putArray(model);
      for (CurvePoint p : points) {
        ObjectNode o = a.addObject();
        o.put("fraction", p.fraction());
        o.put("train_rows", p.trainRows());
        Json.putNumber(o, "score", p.score());
        o.put("train_seconds", p.seconds());
      }
    });
    j.set("budget", budgets.toJson(metric));
    ArrayNode charts = j.putArray("charts");
    this.charts.keySet().forEach(charts::add);
    return j;
  }
}
