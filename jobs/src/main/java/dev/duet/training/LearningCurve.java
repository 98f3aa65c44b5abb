package dev.duet.training;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.InputException;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.CurvePoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much data a family needs, measured by its own training stage: the stage's best model on the
 * test split (by evaluate's primary metric) is fitted again with the same settings on seeded
 * samples of a fraction of its training rows, into a scratch directory deleted afterwards, and
 * scored on the same test split; a fraction too small for the model's settings (too few rows to
 * fit or validate on) is left out, and so is one that the stage's budget has no time left for
 * (its estimate: the fraction of the model's own training time and {@link #REFIT_SECONDS}). The last point is the model
 * itself. Evaluate only reads it.
 */
public final class LearningCurve {
  /** Fits {@code card}'s model again, with its settings, on at most {@code rows} train rows into {@code dir}. */
  @FunctionalInterface
  public interface Refit {
    /** @return the refitted model's test predictions */
    Path fit(ModelCard card, long rows, Path dir);
  }

  private static final Logger LOG = LoggerFactory.getLogger(LearningCurve.class);
  /** What a refit costs besides its fit: reading and sampling the table, featurizing, predicting the test split. */
  static final double REFIT_SECONDS = 15;

  private LearningCurve() {}

  /**
   * {@code cards} with the best one's learning curve ({@code cards} as they are when no fraction is asked for).
   *
   * @param stageDir the stage's output, which the cards' paths are relative to
   * @param scratch  deleted afterwards, whatever happens
   * @param clock    the stage's budget, which the refits count in
   */
  public static List<ModelCard> measure(SparkSession spark, FileSystem fs, Path stageDir, List<ModelCard> cards,
      int classes, Metric metric, List<Double> fractions, Path scratch, Refit refit, BudgetClock clock) {
    if (fractions.isEmpty() || cards.isEmpty()) {
      return cards;
    }
    int best = -1;
    double bestScore = Double.NaN;
    for (int i = 0; i < cards.size(); i++) {
      double s = score(spark, new Path(stageDir, cards.get(i).predictionsPath()), classes, metric);
      if (best < 0 || Double.isNaN(bestScore) || metric.beats(s, bestScore, 0)) {
        best = i;
        bestScore = s;
      }
    }
    ModelCard card = cards.get(best);
    List<CurvePoint> points = new ArrayList<>();
    try {
      for (double f : fractions) {
        long rows = Math.max(1, Math.round(f * card.trainRows()));
        double estimate = f * card.trainSeconds() + REFIT_SECONDS;
        if (estimate > clock.left()) {
          LOG.info("learning curve: {} on {} of its training rows: not measured: budget ({} s left, about {} s needed)",
              card.name(), f, String.format(Locale.ROOT, "%.0f", Math.max(0, clock.left())),
              String.format(Locale.ROOT, "%.0f", estimate));
          continue;
        }
        Path dir = new Path(scratch, card.name() + "-" + Math.round(f * 1000));
        long t0 = System.nanoTime();
        Path predictions;
        try {
          predictions = refit.fit(card, rows, dir);
        } catch (InputException tooFew) {
          // A small fraction of a small table can be too few rows for the model's settings: that
          // point is not measured; the others still are.
          LOG.info("learning curve: {} on {} of its training rows ({}): not measured: {}", card.name(), f, rows,
              tooFew.getMessage());
          continue;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double score = score(spark, predictions, classes, metric);
        LOG.info("learning curve: {} on {} of its training rows ({}): {} {} ({} s)", card.name(), f, rows, metric.key(),
            String.format(Locale.ROOT, "%.4f", score), String.format(Locale.ROOT, "%.1f", seconds));
        points.add(new CurvePoint(f, rows, score, seconds));
      }
    } finally {
      try {
        fs.delete(scratch, true);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete " + scratch + ": " + e.getMessage(), e);
      }
    }
    points.add(new CurvePoint(1.0, card.trainRows(), bestScore, card.trainSeconds()));
    List<ModelCard> out = new ArrayList<>(cards);
    out.set(best, card.withLearningCurve(points));
    return List.copyOf(out);
  }

  private static double score(SparkSession spark, Path predictions, int classes, Metric metric) {
    return Metrics.of(spark.read().parquet(predictions.toString()), classes).get(metric);
  }
}
