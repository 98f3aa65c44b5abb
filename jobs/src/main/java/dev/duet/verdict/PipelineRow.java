package dev.duet.verdict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.ModelCard.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One pipeline's latest evaluated run as the verdict reads it (from evaluate's report.json): the
 * best model of each family and what they cost.
 *
 * @param kind     tabular, images or text (what the models read); "unknown" for a report from
 *                 before evaluate recorded it
 * @param classic  the best classic model (empty: the run trained none)
 * @param deep     the best network (empty: none)
 * @param judged   the winner evaluate named, against the no-skill baseline and with the gap's
 *                 interval (empty: a report from before evaluate named one)
 * @param equalBudget the training budget both families had, in seconds (empty: none, different
 *                 ones, or a report from before budgets)
 * @param models   every model of the run, best first
 */
record PipelineRow(String pipeline, String runId, String evaluatedAt, String kind, Metric metric, double tieMargin,
    long trainRows, long testRows, Optional<Best> classic, Optional<Best> deep, Optional<String> judged,
    Optional<Double> equalBudget, List<Model> models) {

  /** One model of the run: its family, test score and training wall time. */
  record Model(String name, Family family, double score, double trainSeconds) {}

  /** A family's best model: its score, cost, interpretability and learning curve (fraction → score). */
  record Best(String model, double score, double trainSeconds, double cpuSeconds, int gpus, String interpretability,
      List<Point> curve) {}

  record Point(double fraction, long trainRows, double score) {}

  static PipelineRow of(String pipeline, JsonNode report) {
    Metric metric = Metric.valueOf(report.path("metric").asText().toUpperCase(Locale.ROOT));
    long trainRows = 0;
    Optional<Best> classic = Optional.empty();
    Optional<Best> deep = Optional.empty();
    List<Model> models = new ArrayList<>();
    for (JsonNode e : report.path("leaderboard")) { // best first
      trainRows = Math.max(trainRows, e.path("train_rows").asLong());
      String family = e.path("family").asText();
      models.add(new Model(e.path("model").asText(), Family.CLASSIC.title().equals(family) ? Family.CLASSIC
          : Family.DEEP, e.path("score").asDouble(Double.NaN), e.path("train_seconds").asDouble()));
      Best b = best(e, report.path("learning_curve").path(e.path("model").asText()));
      if (classic.isEmpty() && Family.CLASSIC.title().equals(family)) {
        classic = Optional.of(b);
      } else if (deep.isEmpty() && Family.DEEP.title().equals(family)) {
        deep = Optional.of(b);
      }
    }
    return new PipelineRow(pipeline, report.path("run_id").asText(), report.path("evaluated_at").asText(),
        report.path("data_kind").asText("unknown"), metric, report.path("tie_margin").asDouble(0.005), trainRows,
        report.path("test_rows").asLong(), classic, deep,
        Optional.ofNullable(report.path("winner").textValue()), equalBudget(report.path("budget")), List.copyOf(models));
  }

  private static Optional<Double> equalBudget(JsonNode budget) {
    JsonNode c = budget.at("/classic_ml/budget_seconds");
    JsonNode d = budget.at("/deep_learning/budget_seconds");
    return c.isNumber() && d.isNumber() && c.asDouble() == d.asDouble() ? Optional.of(c.asDouble()) : Optional.empty();
  }

  private static Best best(JsonNode e, JsonNode curve) {
    List<Point> points = new ArrayList<>();
    curve.forEach(p -> points.add(new Point(p.path("fraction").asDouble(), p.path("train_rows").asLong(),
        p.path("score").asDouble(Double.NaN))));
    return new Best(e.path("model").asText(), e.path("score").asDouble(Double.NaN), e.path("train_seconds").asDouble(),
        e.path("train_executor_cpu_seconds").asDouble(), e.path("gpus").asInt(), e.path("interpretability").asText(),
        List.copyOf(points));
  }

  boolean hasBoth() {
    return classic.isPresent() && deep.isPresent();
  }

  /** How much better the best classic model scores than the best network (positive: classic ahead). */
  double gap() {
    double d = classic.orElseThrow().score() - deep.orElseThrow().score();
    return metric.higherIsBetter() ? d : -d;
  }

  /**
   * Which family won: as evaluate judged it (classic, deep, tie, or undecided when neither best
   * model beat the no-skill baseline); for an older report, a tie within its margin or the better.
   */
  String winner() {
    double g = gap();
    return judged.orElse(Math.abs(g) <= tieMargin ? "tie" : g > 0 ? "classic" : "deep");
  }

  boolean undecided() {
    return winner().equals(UNDECIDED);
  }

  static final String UNDECIDED = "undecided";

  /**
   * Where the learning curves cross: the smallest measured training size from which the leader
   * at full size leads, or which family leads at every size.
   */
  String crossover() {
    List<Point> c = classic.map(Best::curve).orElse(List.of());
    List<Point> d = deep.map(Best::curve).orElse(List.of());
    if (c.size() < 2 || d.size() < 2) {
      return "not measured (evaluate.learning_curve)";
    }
    String previous = null;
    String at = null;
    for (Point pc : c) {
      Optional<Point> pd = d.stream().filter(p -> p.fraction() == pc.fraction()).findFirst();
      if (pd.isEmpty()) {
        continue;
      }
      double g = metric.higherIsBetter() ? pc.score() - pd.get().score() : pd.get().score() - pc.score();
      String leader = g >= 0 ? "classic ML" : "deep learning";
      if (previous != null && !leader.equals(previous)) {
        at = String.format(Locale.ROOT, "%s leads from %.0f%% of the rows (%,d classic / %,d deep)", leader,
            pc.fraction() * 100, pc.trainRows(), pd.get().trainRows());
      }
      previous = leader;
    }
    return at != null ? at : previous == null ? "not measured at the same fractions" : previous + " leads at every measured size";
  }

  /**
   * How much a family's score drops from its full training set to its smallest measured
   * fraction, in the metric's better direction (NaN: no curve).
   */
  static double dropAtSmallest(Optional<Best> best, Metric metric) {
    List<Point> curve = best.map(Best::curve).orElse(List.of());
    if (curve.size() < 2) {
      return Double.NaN;
    }
    Point small = curve.stream().min((a, b) -> Double.compare(a.fraction(), b.fraction())).orElseThrow();
    Point full = curve.stream().max((a, b) -> Double.compare(a.fraction(), b.fraction())).orElseThrow();
    double d = full.score() - small.score();
    return metric.higherIsBetter() ? d : -d;
  }

  static double smallestFraction(Optional<Best> best) {
    return best.map(Best::curve).orElse(List.of()).stream().mapToDouble(Point::fraction).min().orElse(Double.NaN);
  }
}
