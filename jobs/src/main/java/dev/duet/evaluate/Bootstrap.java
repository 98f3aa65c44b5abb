package dev.duet.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.when;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.Predictions;
import dev.duet.training.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How sure a difference on the test split is: a seeded, paired bootstrap over the labelled test
 * rows. Each resample weighs every row by a Poisson(1) draw (the bootstrap's large-sample form:
 * one pass per resample, no copy of the rows) and scores every model on the same weights, so a
 * difference between two models, or between a model and the no-skill baseline, is resampled as a
 * pair. The interval is the percentile interval of the resampled differences; the metrics are
 * {@link Metrics}' definitions with the weights as row counts.
 */
final class Bootstrap {
  static final int RESAMPLES = 500;
  static final double CONFIDENCE = 0.95;
  /** Poisson(1)'s cumulative probabilities up to 12 (beyond: below 1e-9). */
  private static final double[] POISSON_CDF = poissonCdf();

  /**
   * One model's labelled test rows on the driver, in row-id order (every model predicts the same
   * test rows). {@code score} ranks rows for the binary areas (NaN: none), {@code labelProbability}
   * is the probability given to the true class (NaN: none).
   */
  record Rows(double[] label, double[] prediction, double[] score, double[] labelProbability, int classes) {
    /** Row indices by score, highest first, rows without a score left out. */
    int[] byScore() {
      return Metrics.byScore(score);
    }

    /** The labelled rows of one model's predictions ({@link Predictions#SCHEMA}), collected in row-id order. */
    static Rows of(Dataset<Row> predictions, int classes) {
      Column label = col(Predictions.LABEL);
      // A probability where the model has one; a margin otherwise (linear SVM). Either ranks rows.
      Column score = when(col(Predictions.PROBABILITY).isNotNull(), element_at(col(Predictions.PROBABILITY), 2))
          .otherwise(element_at(col(Predictions.RAW_SCORE), 2));
      Column labelProbability = element_at(col(Predictions.PROBABILITY), label.cast("int").plus(1));
      List<Row> rows = predictions.where(label.isNotNull()).orderBy(Predictions.ROW_ID)
          .select(label, col(Predictions.PREDICTION), classes == 2 ? score : org.apache.spark.sql.functions.lit(null),
              classes > 0 ? labelProbability : org.apache.spark.sql.functions.lit(null))
          .collectAsList();
      int n = rows.size();
      double[] l = new double[n];
      double[] p = new double[n];
      double[] s = new double[n];
      double[] lp = new double[n];
      for (int i = 0; i < n; i++) {
        Row r = rows.get(i);
        l[i] = r.getDouble(0);
        p[i] = r.getDouble(1);
        s[i] = r.isNullAt(2) ? Double.NaN : ((Number) r.get(2)).doubleValue();
        lp[i] = r.isNullAt(3) ? Double.NaN : ((Number) r.get(3)).doubleValue();
      }
      return new Rows(l, p, s, lp, classes);
    }
  }

  /** A difference, better-is-positive in the metric's direction, with its interval. */
  record Interval(double estimate, double low, double high) {
    /** The whole interval is above zero: better, and not by chance at this confidence. */
    boolean surelyAbove() {
      return low > 0;
    }

    /** Zero lies inside the interval: the difference could be chance. */
    boolean containsZero() {
      return !(low > 0 || high < 0);
    }
  }

  private final Metric metric;
  private final int n;
  /** values[b][m]: model m's metric on resample b (m = 0 is the baseline). */
  private final double[][] values;

  private Bootstrap(Metric metric, int n, double[][] values) {
    this.metric = metric;
    this.n = n;
    this.values = values;
  }

  /** Resamples the baseline and the models together; each of {@code models} must hold the baseline's rows. */
  static Bootstrap of(Metric metric, Rows baseline, List<Rows> models, long seed) {
    List<Rows> all = new ArrayList<>();
    all.add(baseline);
    all.addAll(models);
    int n = baseline.label().length;
    for (Rows r : all) {
      if (r.label().length != n) {
        throw new IllegalStateException("Models predict different test rows (" + r.label().length + " labelled, not "
            + n + "): they must all come from one ingest's test split");
      }
    }
    int[][] orders = all.stream().map(r -> metric.binaryOnly() ? r.byScore() : null).toArray(int[][]::new);
    double[][] values = new double[RESAMPLES][all.size()];
    SplittableRandom random = new SplittableRandom(seed);
    int[] weights = new int[n];
    for (int b = 0; b < RESAMPLES; b++) {
      for (int i = 0; i < n; i++) {
        weights[i] = poisson(random.nextDouble());
      }
      for (int m = 0; m < all.size(); m++) {
        values[b][m] = score(metric, all.get(m), orders[m], weights);
      }
    }
    return new Bootstrap(metric, n, values);
  }

  int rows() {
    return n;
  }

  /** Model {@code model}'s lift over the baseline ({@code estimate}: from the full test split). */
  Interval lift(int model, double estimate) {
    return interval(model + 1, 0, estimate);
  }

  /** How much better model {@code a} scores than model {@code b}. */
  Interval gap(int a, int b, double estimate) {
    return interval(a + 1, b + 1, estimate);
  }

  private Interval interval(int a, int b, double estimate) {
    double[] d = Arrays.stream(values).mapToDouble(v -> metric.higherIsBetter() ? v[a] - v[b] : v[b] - v[a])
        .filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (d.length == 0 || Double.isNaN(estimate)) {
      return new Interval(estimate, Double.NaN, Double.NaN);
    }
    double tail = (1 - CONFIDENCE) / 2;
    return new Interval(estimate, d[(int) Math.floor(tail * (d.length - 1))], d[(int) Math.ceil((1 - tail) * (d.length - 1))]);
  }

  /** The metric on rows counted {@code w[i]} times each; NaN where {@link Metrics} has none. */
  static double score(Metric metric, Rows r, int[] order, int[] w) {
    double[] label = r.label();
    double[] prediction = r.prediction();
    switch (metric) {
      case ACCURACY -> {
        long total = 0;
        long correct = 0;
        for (int i = 0; i < label.length; i++) {
          total += w[i];
          correct += label[i] == prediction[i] ? w[i] : 0;
        }
        return total == 0 ? Double.NaN : (double) correct / total;
      }
      case F1_MACRO -> {
        return f1Macro(r, w);
      }
      case LOG_LOSS -> {
        double sum = 0;
        long total = 0;
        for (int i = 0; i < label.length; i++) {
          if (!Double.isNaN(r.labelProbability()[i])) {
            sum += w[i] * -Math.log(Math.max(r.labelProbability()[i], Metrics.EPSILON));
            total += w[i];
          }
        }
        return total == 0 ? Double.NaN : sum / total;
      }
      case ROC_AUC, PR_AUC -> {
        double[] areas = Metrics.exactAreas(r.score(), label, order, w);
        return metric == Metric.ROC_AUC ? areas[0] : areas[1];
      }
      default -> {
        return regression(metric, r, w);
      }
    }
  }

  private static double f1Macro(Rows r, int[] w) {
    int k = r.classes();
    for (int i = 0; i < r.label().length; i++) {
      k = (int) Math.max(k, Math.max(r.label()[i], r.prediction()[i]) + 1);
    }
    long[][] confusion = new long[k][k];
    long total = 0;
    for (int i = 0; i < r.label().length; i++) {
      confusion[(int) r.label()[i]][(int) r.prediction()[i]] += w[i];
      total += w[i];
    }
    return total == 0 ? Double.NaN : Metrics.ofConfusion(confusion, r.classes()).get(Metric.F1_MACRO);
  }

  private static double regression(Metric metric, Rows r, int[] w) {
    double total = 0;
    double squared = 0;
    double absolute = 0;
    double labelSum = 0;
    for (int i = 0; i < r.label().length; i++) {
      double e = r.prediction()[i] - r.label()[i];
      total += w[i];
      squared += w[i] * e * e;
      absolute += w[i] * Math.abs(e);
      labelSum += w[i] * r.label()[i];
    }
    if (total == 0) {
      return Double.NaN;
    }
    if (metric == Metric.RMSE) {
      return Math.sqrt(squared / total);
    }
    if (metric == Metric.MAE) {
      return absolute / total;
    }
    double mean = labelSum / total;
    double spread = 0;
    for (int i = 0; i < r.label().length; i++) {
      spread += w[i] * (r.label()[i] - mean) * (r.label()[i] - mean);
    }
    return spread == 0 ? Double.NaN : 1 - squared / spread;
  }

  private static int poisson(double u) {
    int k = 0;
    while (k < POISSON_CDF.length - 1 && u > POISSON_CDF[k]) {
      k++;
    }
    return k;
  }

  private static double[] poissonCdf() {
    double[] cdf = new double[13];
    double p = Math.exp(-1);
    double sum = 0;
    for (int k = 0; k < cdf.length; k++) {
      sum += p;
      cdf[k] = sum;
      p /= k + 1;
    }
    cdf[cdf.length - 1] = 1;
    return cdf;
  }
}
