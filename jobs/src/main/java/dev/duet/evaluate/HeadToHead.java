package dev.duet.evaluate;

import dev.duet.contracts.ModelCard.CurvePoint;
import dev.duet.config.NetworkConfig.TextUnit;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.NetworkConfig.CategoricalInputs;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.ModelCard.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The ML-vs-DL table: the seed article's dimensions (data needed, feature engineering, compute,
 * training time, interpretability, performance) filled with this run's measurements of the best
 * classic model and the best network.
 *
 * @param rows dimension, classic cell, deep-learning cell
 */
record HeadToHead(List<String[]> rows) {

  static HeadToHead of(Optional<Scored> classic, Optional<Scored> deep, Metric m, PipelineConfig config,
      Map<String, List<CurvePoint>> curves, Significance skill, Budgets budgets) {
    List<String[]> rows = new ArrayList<>();
    rows.add(row("Model", classic.map(Recommendation::name), deep.map(Recommendation::name)));
    rows.add(row("Performance (" + m.key() + ", test split)", classic.map(s -> Recommendation.fmt(s.score(m))),
        deep.map(s -> Recommendation.fmt(s.score(m)))));
    rows.add(row("Lift over the no-skill baseline (" + Recommendation.fmt(skill.baseline().get(m)) + ")",
        classic.map(s -> lift(skill, s)), deep.map(s -> lift(skill, s))));
    rows.add(row("Data needed", classic.map(s -> String.format(Locale.ROOT, "fitted on %,d rows",
        s.candidate().card().trainRows()) + curve(curves, s, m)), deep.map(s -> String.format(Locale.ROOT,
        "fitted on %,d rows (%d epochs)", s.candidate().card().trainRows(), s.candidate().card().epochs().size()) + curve(curves, s, m))));
    rows.add(row("Feature engineering", classic.map(s -> classicFeatures(config)), deep.map(s -> deepFeatures(config, s.candidate().card().name()))));
    rows.add(row("Compute", classic.map(HeadToHead::compute), deep.map(HeadToHead::compute)));
    rows.add(row("Training time", classic.map(HeadToHead::seconds), deep.map(HeadToHead::seconds)));
    rows.add(new String[] {"Training budget (wall-clock per family)", budgets.spend(Family.CLASSIC),
        budgets.spend(Family.DEEP)});
    rows.add(new String[] {"Best validation " + m.key() + " over time (" + budgets.crossing(m) + ")",
        budgets.traceCell(Family.CLASSIC), budgets.traceCell(Family.DEEP)});
    rows.add(row("Interpretability", classic.map(HeadToHead::interpretability), deep.map(HeadToHead::interpretability)));
    rows.add(row("Scoring", classic.map(HeadToHead::scoring), deep.map(HeadToHead::scoring)));
    return new HeadToHead(List.copyOf(rows));
  }

  /** The learning curve's smaller fractions, if measured: "; roc_auc 0.61 at 10%, 0.66 at 30%". */
  private static String curve(Map<String, List<CurvePoint>> curves, Scored s, Metric m) {
    List<CurvePoint> points = curves.getOrDefault(s.candidate().id(), List.of());
    return points.stream().filter(p -> p.fraction() < 1).map(p -> String.format(Locale.ROOT, "%s at %.0f%% (%,d rows)",
            Recommendation.fmt(p.score()), p.fraction() * 100, p.trainRows()))
        .reduce((a, b) -> a + ", " + b).map(x -> "; " + m.key() + " " + x).orElse("");
  }

  private static String lift(Significance skill, Scored s) {
    return skill.lift(s).replace("lift ", "") + (skill.learned(s) ? "" : ": learned nothing useful");
  }

  private static String[] row(String dimension, Optional<String> classic, Optional<String> deep) {
    return new String[] {dimension, classic.orElse("no finished train-ml"), deep.orElse("no finished train-dl")};
  }

  /** What the classic pipeline engineers, naming only the kinds of column it has. */
  private static String classicFeatures(PipelineConfig config) {
    return config.trainMl().map(ml -> {
      var f = ml.features();
      List<String> parts = new ArrayList<>();
      count(parts, f.categorical().size(), "categorical column", "indexed (trees) or one-hot");
      count(parts, f.numeric().size(), "numeric column", "imputed (and scaled for linear/SVM/k-NN)");
      count(parts, f.datetime().values().stream().mapToInt(List::size).sum(), "date part", "taken");
      var v = f.vocabulary();
      String terms = v.charNgrams().isEmpty() ? "terms" : String.format(Locale.ROOT, "%scharacter %d-%d-grams%s",
          v.words() ? "words and " : "", v.charNgrams().get(0), v.charNgrams().get(v.charNgrams().size() - 1),
          v.withinWords() ? " within words" : "");
      count(parts, f.text().size(), "text column", String.format(Locale.ROOT, "as TF-IDF %s (vocabulary up to %,d)",
          terms, v.size()));
      return "an MLlib feature pipeline: " + String.join(", ", parts);
    }).orElse("n/a");
  }

  private static void count(List<String> parts, int n, String what, String how) {
    if (n > 0) {
      parts.add(n + " " + what + (n == 1 ? "" : "s") + " " + how);
    }
  }

  private static String deepFeatures(PipelineConfig config, String network) {
    return config.trainDl().flatMap(dl -> dl.network(network)).map(n -> n.sequence().map(q -> String.format(
        Locale.ROOT, "the first %d %s of %s in order, each through a learned embedding (vocabulary up to %,d)",
        q.maxTokens(), q.unit() == TextUnit.CHAR ? "characters" : "words", q.column(), q.vocabulary())).orElse(String.format(Locale.ROOT,
        "raw columns: %d numeric%s, %d categorical %s", n.numeric().size(), n.standardize() ? " standardised"
            : " as they are", n.categorical().size(), n.categoricalInputs() == CategoricalInputs.EMBEDDING
            ? "through learned embeddings" : "one-hot"))).orElse("n/a");
  }

  private static String compute(Scored s) {
    Candidate c = s.candidate();
    return String.format(Locale.ROOT, "%.1f executor CPU s, %s", c.card().trainCpuSeconds(),
        c.card().gpus() > 0 ? c.card().gpus() + " GPU(s)" : "no GPU");
  }

  private static String seconds(Scored s) {
    return String.format(Locale.ROOT, "%.1f s wall", s.candidate().card().trainSeconds());
  }

  private static String interpretability(Scored s) {
    Candidate c = s.candidate();
    String top = c.card().topFeatures().isEmpty() ? "" : "; top features: " + String.join(", ", c.card().topFeatures());
    String permuted = c.permutationSummary(5);
    return c.card().interpretability().name().toLowerCase(Locale.ROOT) + ": " + c.card().interpretabilityNote() + top
        + (permuted.isEmpty() ? "" : "; permutation importance (drop in " + c.card().permutation().metric()
            + " when shuffled): " + permuted);
  }

  private static String scoring(Scored s) {
    Candidate c = s.candidate();
    return String.format(Locale.ROOT, "%,.0f test rows/s; model %,d bytes", c.scoringRowsPerSecond(), c.card().modelBytes());
  }
}
