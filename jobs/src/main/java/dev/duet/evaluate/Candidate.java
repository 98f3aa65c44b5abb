package dev.duet.evaluate;

import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A trained model found on the store: its training stage's card, and where its predictions and
 * model are.
 */
record Candidate(ModelCard card, Path predictions, Path model) {

  /** Its {@code n} most important input columns by permutation importance, with the metric's drop. */
  List<Map.Entry<String, Double>> permutationTop(int n) {
    List<Map.Entry<String, Double>> top = new ArrayList<>();
    if (card.permutation() != null) {
      card.permutation().columns().stream().limit(n).forEach(c -> top.add(Map.entry(c.column(), c.importance())));
    }
    return top;
  }

  /** "origin 0.0123, destination 0.0101" (empty when not measured). */
  String permutationSummary(int n) {
    return permutationTop(n).stream().map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.4f", e.getValue()))
        .reduce((a, b) -> a + ", " + b).orElse("");
  }

  /** Test rows scored per second of wall time. */
  double scoringRowsPerSecond() {
    return card.predictSeconds() > 0 ? card.testRowsPredicted() / card.predictSeconds() : Double.NaN;
  }

  String id() {
    return card.family() == Family.CLASSIC ? card.name() : "dl:" + card.name();
  }
}
