package dev.duet.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.evaluate.Bootstrap.Interval;
import dev.duet.store.Json;
import dev.duet.training.Metrics;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What this run's models learned, measured: the no-skill baseline scored on the same test rows,
 * each model's lift over it with its bootstrap interval, and the interval of the gap between the
 * best network and the best classic model. A model has learned something when its whole interval
 * is above zero and its lift is at least {@code evaluate.min_lift}; only such a model is
 * recommended or blessed.
 *
 * @param baselineDescription what the baseline predicts, in words
 * @param lifts               per model id, better-is-positive in the metric's direction
 * @param deepOverClassic     how much better the best network scores than the best classic model
 *                            (empty: one family only)
 */
record Significance(String baselineDescription, Metrics baseline, Map<String, Interval> lifts,
    Optional<Interval> deepOverClassic, double minLift) {

  boolean learned(Scored s) {
    Interval lift = lifts.get(s.candidate().id());
    return lift != null && lift.surelyAbove() && lift.estimate() >= minLift;
  }

  /** "lift 0.1234 over no skill (95% CI 0.1000 to 0.1400)". */
  String lift(Scored s) {
    Interval l = lifts.get(s.candidate().id());
    return l == null ? "lift n/a" : "lift " + Recommendation.fmt(l.estimate()) + " over no skill (" + interval(l) + ")";
  }

  static String interval(Interval i) {
    return String.format(Locale.ROOT, "%.0f%% CI %s to %s", Bootstrap.CONFIDENCE * 100, Recommendation.fmt(i.low()),
        Recommendation.fmt(i.high()));
  }

  /**
   * Which family won: "undecided" when neither best model learned anything, the one that did
   * when only one did, "tie" when the gap is within the tie margin or its interval holds zero.
   */
  String winner(Scored classic, Scored deep, double tieMargin) {
    boolean c = learned(classic);
    boolean d = learned(deep);
    if (c != d) {
      return c ? "classic" : "deep";
    }
    if (!c) {
      return "undecided";
    }
    Interval gap = deepOverClassic.orElseThrow();
    if (Double.isNaN(gap.estimate()) || Math.abs(gap.estimate()) <= tieMargin || gap.containsZero()) {
      return "tie";
    }
    return gap.estimate() > 0 ? "deep" : "classic";
  }

  ObjectNode baselineJson(Metric metric) {
    ObjectNode j = Json.object();
    j.put("model", NoSkill.NAME);
    j.put("predicts", baselineDescription);
    Json.putNumber(j, "score", baseline.get(metric));
    j.set("metrics", baseline.json());
    j.put("bootstrap_resamples", Bootstrap.RESAMPLES);
    j.put("confidence", Bootstrap.CONFIDENCE);
    j.put("min_lift", minLift);
    return j;
  }

  static ObjectNode json(Interval i) {
    ObjectNode j = Json.object();
    Json.putNumber(j, "estimate", i.estimate());
    Json.putNumber(j, "low", i.low());
    Json.putNumber(j, "high", i.high());
    return j;
  }
}
