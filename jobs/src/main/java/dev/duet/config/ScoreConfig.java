package dev.duet.config;

import java.util.List;

/**
 * How {@code duet score} applies a trained model to new data and watches that data drift from what
 * the model learned from.
 *
 * @param keys  input columns copied into the predictions as they are, to join them back (empty: none)
 * @param drift when a column, or the prediction, counts as drifted
 */
public record ScoreConfig(List<String> keys, DriftThresholds drift) {
  public static final ScoreConfig DEFAULTS = new ScoreConfig(List.of(), DriftThresholds.DEFAULTS);

  /**
   * A column is flagged when any measure is over its threshold. The defaults are the usual ones:
   * a population stability index over 0.2 is a real shift (0.1–0.2 moderate); a KS statistic
   * over 0.1; nulls up 5 points; 1% of rows holding a category the train split never had.
   *
   * @param psi            population stability index, over ten train-quantile bins or the train categories
   * @param ks             two-sample Kolmogorov–Smirnov statistic (numbers)
   * @param nullRateChange absolute change of the share of nulls
   * @param unseenRate     share of rows whose category the train split does not hold
   * @param exclude        columns not compared (identifiers, columns that move by design)
   */
  public record DriftThresholds(double psi, double ks, double nullRateChange, double unseenRate, List<String> exclude) {
    public static final DriftThresholds DEFAULTS = new DriftThresholds(0.2, 0.1, 0.05, 0.01, List.of());
  }
}
