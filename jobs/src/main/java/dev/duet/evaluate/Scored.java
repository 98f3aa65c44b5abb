package dev.duet.evaluate;

import dev.duet.training.Metrics;
import dev.duet.config.EvaluateConfig.Metric;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import dev.duet.contracts.ModelCard.Family;

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

  /** The best of a family in a ranking (best first). */
  static Optional<Scored> bestOf(List<Scored> ranked, Family family) {
    return ranked.stream().filter(s -> s.candidate().card().family() == family).findFirst();
  }
}
