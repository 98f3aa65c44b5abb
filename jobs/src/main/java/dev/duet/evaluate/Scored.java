package dev.duet.evaluate;

import dev.duet.training.Metrics;
import dev.duet.config.EvaluateConfig.Metric;
import java.util.Comparator;
import java.util.List;

/** A candidate with its test-split metrics. */
record Scored(Candidate candidate, Metrics metrics) {
  double score(Metric m) {
    return metrics.get(m);
  }

  /** Best first by {@code m}; undefined scores last. */
  static List<Scored> rank(List<Scored> all, Metric m) {
    Comparator<Scored> byScore = Comparator.comparingDouble(s -> s.score(m));
    if (m.higherIsBetter()) {
      byScore = byScore.reversed();
    }
    return all.stream().sorted(Comparator.<Scored, Boolean>comparing(s -> Double.isNaN(s.score(m))).thenComparing(byScore))
        .toList();
  }
}
