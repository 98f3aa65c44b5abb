package dev.duet.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code evaluate} section: how models are ranked, what the report's recommendation weighs,
 * and the gate a run must pass to be blessed. Every key has a default; the section may be absent.
 *
 * @param primaryMetric      what ranks models and gates blessing (empty: ROC AUC for a binary
 *                           classifier, accuracy for a multiclass one, RMSE for a regression)
 * @param blessMargin        how much the best model must beat the last blessed run's best by
 * @param tieMargin          scores closer than this are a tie: the cheaper family is recommended
 *                           (so is a gap whose bootstrap interval holds zero)
 * @param minLift            how much a model must beat the no-skill baseline by (besides beating
 *                           it beyond chance) to count as having learned something: only such a
 *                           model is recommended or blessed
 * @param interpretability   whether the users need to explain predictions
 * @param maxTrainingSeconds the training-time budget of one model (empty: none)
 * @param learningCurve      fractions of the training rows to refit the best model of each family
 *                           on, to measure how much data each needs (empty: no learning curve)
 */
public record EvaluateConfig(
    Optional<Metric> primaryMetric,
    double blessMargin,
    double tieMargin,
    double minLift,
    Need interpretability,
    Optional<Double> maxTrainingSeconds,
    List<Double> learningCurve) {

  public static final EvaluateConfig DEFAULTS = new EvaluateConfig(Optional.empty(), 0.0, 0.005, 0.0, Need.PREFERRED,
      Optional.empty(), List.of());

  /** How strongly a need weighs in the recommendation. */
  public enum Need { REQUIRED, PREFERRED, NONE }

  /** A test-split metric, with the direction that counts as better. */
  public enum Metric {
    ACCURACY(true, true), F1_MACRO(true, true), ROC_AUC(true, true), PR_AUC(true, true), LOG_LOSS(true, false),
    RMSE(false, false), MAE(false, false), R2(false, true);

    private final boolean classification;
    private final boolean higherIsBetter;

    Metric(boolean classification, boolean higherIsBetter) {
      this.classification = classification;
      this.higherIsBetter = higherIsBetter;
    }

    public boolean forClassification() {
      return classification;
    }

    public boolean higherIsBetter() {
      return higherIsBetter;
    }

    /** Only meaningful for two classes. */
    public boolean binaryOnly() {
      return this == ROC_AUC || this == PR_AUC;
    }

    /** The name used in config, metrics.json and the report. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** {@code a} is better than {@code b} by more than {@code margin}. */
    public boolean beats(double a, double b, double margin) {
      return higherIsBetter ? a - b > margin : b - a > margin;
    }
  }

  public EvaluateConfig withLearningCurve(List<Double> fractions) {
    return new EvaluateConfig(primaryMetric, blessMargin, tieMargin, minLift, interpretability, maxTrainingSeconds,
        fractions);
  }

  /** The metric that ranks models for this task and number of classes (0: regression). */
  public Metric primaryFor(int classes) {
    return primaryMetric.orElse(classes == 0 ? Metric.RMSE : classes == 2 ? Metric.ROC_AUC : Metric.ACCURACY);
  }
}
