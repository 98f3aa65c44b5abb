package dev.duet.training;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.Predictions;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.mllib.evaluation.RegressionMetrics;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Test-split metrics of one model from its {@link Predictions}, as MLlib's evaluation classes
 * define them: MulticlassMetrics' read off the confusion matrix (counted by one group-by, so
 * that its cells are exact for every class the model predicts), {@link
 * BinaryClassificationMetrics} over the scored rows (exact: no binning), {@link
 * RegressionMetrics} over the labelled rows. Nothing row-level is collected; {@link #ofRows}
 * applies the same definitions on the driver to rows a caller already holds (a few thousand).
 *
 * @param values    every metric that applies, by name (NaN where undefined, e.g. AUC with one class)
 * @param confusion rows: true class, columns: predicted class (null for a regression)
 * @param roc       ROC points, about {@value #CURVE_POINTS} (empty unless asked for, binary and scored)
 * @param json      the same, for metrics.json
 */
public record Metrics(Map<Metric, Double> values, long[][] confusion, List<RocPoint> roc, ObjectNode json) {
  /** Log loss clips probabilities here, as MLlib does. */
  public static final double EPSILON = 1e-15;
  private static final int CURVE_POINTS = 200;
  /** Up to this many rows, predictions already small enough to collect are scored by {@link #ofRows}. */
  public static final int DRIVER_ROWS = 10_000;

  /** A point of the ROC curve. */
  public record RocPoint(double fpr, double tpr) {}

  public double get(Metric m) {
    return values.getOrDefault(m, Double.NaN);
  }

  /** Classification metrics for {@code classes} > 0, regression metrics for 0; no ROC points. */
  public static Metrics of(Dataset<Row> predictions, int classes) {
    return classes > 0 ? classification(predictions, classes, false) : regression(predictions);
  }

  /** As {@link #of}, with the ROC curve's points of a binary classifier (for charts). */
  public static Metrics withRoc(Dataset<Row> predictions, int classes) {
    return classes > 0 ? classification(predictions, classes, true) : regression(predictions);
  }

  public static Metrics classification(Dataset<Row> predictions, int classes, boolean roc) {
    Dataset<Row> p = predictions.where(col(Predictions.LABEL).isNotNull());
    // MLlib's logLoss makes a pass of its own over the rows: here it shares this one with the counts.
    Row totals = predictions.agg(count(lit(1)), count(col(Predictions.LABEL)),
        avg(when(col(Predictions.PROBABILITY).isNotNull().and(col(Predictions.LABEL).isNotNull()),
            log(greatest(element_at(col(Predictions.PROBABILITY), col(Predictions.LABEL).cast("int").plus(1)),
                lit(EPSILON))).multiply(-1))),
        count(col(Predictions.PROBABILITY))).first();
    long[][] confusion = confusion(classes, p.groupBy(col(Predictions.LABEL), col(Predictions.PREDICTION)).count()
        .collectAsList().stream().map(c -> new long[] {(long) c.getDouble(0), (long) c.getDouble(1), c.getLong(2)})
        .toList());
    double logLoss = totals.getLong(3) == 0 || totals.isNullAt(2) ? Double.NaN : totals.getDouble(2);
    return classification(confusion, totals.getLong(1), totals.getLong(0) - totals.getLong(1), logLoss, classes,
        () -> areas(p, roc));
  }

  /**
   * As {@link #of}, over rows already on the driver (a few thousand, e.g. permutation importance's
   * shuffled copies), without a Spark job: the same definitions, the same values up to the order
   * of floating-point sums. Each row has the {@link Predictions} columns by name.
   */
  public static Metrics ofRows(List<Row> predictions, int classes) {
    return classes > 0 ? classificationOfRows(predictions, classes) : regressionOfRows(predictions);
  }

  private static Metrics classificationOfRows(List<Row> predictions, int classes) {
    Map<List<Long>, long[]> cells = new HashMap<>(); // (true class, predicted class) -> its cell
    List<double[]> scoredLabels = new ArrayList<>();
    long labelled = 0;
    long probabilities = 0;
    double lossSum = 0;
    long losses = 0;
    for (Row r : predictions) {
      List<Double> probability = list(r, Predictions.PROBABILITY);
      probabilities += probability == null ? 0 : 1;
      if (r.isNullAt(r.fieldIndex(Predictions.LABEL))) {
        continue;
      }
      labelled++;
      double label = r.getDouble(r.fieldIndex(Predictions.LABEL));
      cells.computeIfAbsent(List.of((long) label, (long) r.getDouble(r.fieldIndex(Predictions.PREDICTION))),
          c -> new long[] {c.get(0), c.get(1), 0})[2]++;
      if (probability != null) { // a class past the vector's end scores as a probability of 0, clipped
        Double p = element(probability, (int) label);
        lossSum += -Math.log(Math.max(p == null ? 0 : p, EPSILON));
        losses++;
      }
      List<Double> raw = list(r, Predictions.RAW_SCORE);
      Double score = probability != null ? element(probability, 1) : raw != null ? element(raw, 1) : null;
      if (score != null) {
        scoredLabels.add(new double[] {score, label});
      }
    }
    double logLoss = probabilities == 0 || losses == 0 ? Double.NaN : lossSum / losses;
    return classification(confusion(classes, List.copyOf(cells.values())), labelled, predictions.size() - labelled, logLoss, classes,
        () -> exactAreas(scoredLabels));
  }

  /** ROC and PR areas of a binary classifier, with the ROC curve's points when asked for. */
  private record Areas(double roc, double pr, List<RocPoint> points) {}

  /** MLlib's {@link BinaryClassificationMetrics} over the labelled rows (exact areas, a binned curve). */
  private static Areas areas(Dataset<Row> labelled, boolean roc) {
    // A probability where the model has one; a margin otherwise (linear SVM). Either ranks rows.
    Column score = when(col(Predictions.PROBABILITY).isNotNull(), element_at(col(Predictions.PROBABILITY), 2))
        .otherwise(element_at(col(Predictions.RAW_SCORE), 2));
    RDD<Tuple2<Object, Object>> scored = labelled.select(score, col(Predictions.LABEL)).where(score.isNotNull()).javaRDD()
        .map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1))).rdd();
    if (roc) {
      scored.persist(StorageLevel.MEMORY_AND_DISK()); // read twice: for the exact areas and the binned curve
    }
    BinaryClassificationMetrics exact = new BinaryClassificationMetrics(scored, 0);
    try {
      List<RocPoint> points = List.of();
      if (roc) {
        BinaryClassificationMetrics binned = new BinaryClassificationMetrics(scored, CURVE_POINTS);
        try {
          points = binned.roc().toJavaRDD().collect().stream()
              .map(t -> new RocPoint((Double) t._1(), (Double) t._2())).toList();
        } finally {
          binned.unpersist();
        }
      }
      return new Areas(exact.areaUnderROC(), exact.areaUnderPR(), points);
    } finally {
      exact.unpersist();
      scored.unpersist(false);
    }
  }

  /** {@link #exactAreas(double[], double[], int[], int[])} of (score, label) pairs, each counted once. */
  private static Areas exactAreas(List<double[]> scoredLabels) {
    int n = scoredLabels.size();
    double[] score = new double[n];
    double[] label = new double[n];
    for (int i = 0; i < n; i++) {
      score[i] = scoredLabels.get(i)[0];
      label[i] = scoredLabels.get(i)[1];
    }
    int[] weight = new int[n];
    java.util.Arrays.fill(weight, 1);
    double[] areas = exactAreas(score, label, byScore(score), weight);
    return new Areas(areas[0], areas[1], List.of());
  }

  /** Row indices by score, highest first, rows without a score (NaN) left out. */
  public static int[] byScore(double[] score) {
    return java.util.stream.IntStream.range(0, score.length).filter(i -> !Double.isNaN(score[i])).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> score[i]).reversed()).mapToInt(Integer::intValue).toArray();
  }

  /**
   * {@link BinaryClassificationMetrics}' exact areas (no bins) on the driver, row {@code i}
   * counted {@code weight[i]} times (1 each for the rows as they are; a bootstrap resample's
   * draws): one threshold per distinct score, highest first, a label above 0.5 positive; the ROC
   * curve from (0, 0) to (1, 1), the PR curve from (0, the first threshold's precision); both by
   * the trapezoidal rule.
   *
   * @param order the rows by score, highest first ({@link #byScore})
   * @return {ROC area, PR area}; NaN where one class has no weight
   */
  public static double[] exactAreas(double[] score, double[] label, int[] order, int[] weight) {
    double positives = 0;
    double negatives = 0;
    for (int i : order) {
      if (label[i] > 0.5) {
        positives += weight[i];
      } else {
        negatives += weight[i];
      }
    }
    if (positives == 0 || negatives == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double rocArea = 0;
    double prArea = 0;
    double fpr = 0;
    double tpr = 0;
    double precision = Double.NaN;
    double tp = 0;
    double fp = 0;
    for (int j = 0; j < order.length; ) {
      double threshold = score[order[j]];
      for (; j < order.length && score[order[j]] == threshold; j++) {
        if (label[order[j]] > 0.5) {
          tp += weight[order[j]];
        } else {
          fp += weight[order[j]];
        }
      }
      if (tp + fp == 0) {
        continue; // every row at or above this threshold weighs nothing: no point of its own
      }
      double nextFpr = fp / negatives;
      double nextTpr = tp / positives;
      double nextPrecision = tp / (tp + fp);
      rocArea += (nextFpr - fpr) * (nextTpr + tpr) / 2;
      prArea += (nextTpr - tpr) * (nextPrecision + (Double.isNaN(precision) ? nextPrecision : precision)) / 2;
      fpr = nextFpr;
      tpr = nextTpr;
      precision = nextPrecision;
    }
    rocArea += (1 - fpr) * (1 + tpr) / 2;
    return new double[] {rocArea, prArea};
  }

  /**
   * Accuracy, F1 and the per-class figures of a confusion matrix (rows counted as many times as
   * it says: a bootstrap resample's weighted matrix too), as {@link #of} defines them; no areas.
   */
  public static Metrics ofConfusion(long[][] confusion, int classes) {
    long rows = 0;
    for (long[] row : confusion) {
      for (long n : row) {
        rows += n;
      }
    }
    return classification(confusion, rows, 0, Double.NaN, classes, () -> new Areas(Double.NaN, Double.NaN, List.of()));
  }

  /** The k x k matrix of (true class, predicted class, rows) cells; k covers every class seen. */
  private static long[][] confusion(int classes, List<long[]> cells) {
    int k = classes;
    for (long[] c : cells) {
      k = (int) Math.max(k, Math.max(c[0], c[1]) + 1);
    }
    long[][] confusion = new long[k][k];
    cells.forEach(c -> confusion[(int) c[0]][(int) c[1]] += c[2]);
    return confusion;
  }

  private static Metrics classification(long[][] confusion, long rows, long unlabelled, double logLoss, int classes,
      Supplier<Areas> areas) {
    int k = confusion.length;
    ObjectNode json = Json.object();
    json.put("rows", rows);
    json.put("unlabelled_rows", unlabelled);
    Map<Metric, Double> values = new EnumMap<>(Metric.class);
    ArrayNode perClass = Json.array();
    double[] precision = new double[k];
    double[] recall = new double[k];
    double[] f1 = new double[k];
    if (rows == 0) {
      values.put(Metric.ACCURACY, Double.NaN);
      Json.putNumber(json, "f1_weighted", Double.NaN);
    } else {
      // MLlib's MulticlassMetrics definitions, read off the matrix here (it would run two Spark jobs
      // to count what the matrix holds): a class without test rows scores 0, as it has no recall.
      long correct = 0;
      double weightedF1 = 0;
      for (int c = 0; c < k; c++) {
        long truths = 0;
        long predicted = 0;
        for (int j = 0; j < k; j++) {
          truths += confusion[c][j];
          predicted += confusion[j][c];
        }
        correct += confusion[c][c];
        if (truths > 0) {
          precision[c] = predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
          recall[c] = (double) confusion[c][c] / truths;
          f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
          weightedF1 += f1[c] * truths / rows;
        }
      }
      values.put(Metric.ACCURACY, (double) correct / rows);
      Json.putNumber(json, "f1_weighted", weightedF1);
    }
    for (int c = 0; c < k; c++) {
      long support = 0;
      for (long n : confusion[c]) {
        support += n;
      }
      ObjectNode pc = perClass.addObject();
      pc.put("class", c);
      pc.put("support", support);
      pc.put("precision", precision[c]);
      pc.put("recall", recall[c]);
      pc.put("f1", f1[c]);
    }
    values.put(Metric.F1_MACRO, mean(f1));
    values.put(Metric.LOG_LOSS, logLoss);
    List<RocPoint> points = List.of();
    if (classes == 2) {
      long positives = k > 1 ? confusion[1][0] + confusion[1][1] : 0;
      if (positives == 0 || positives == rows) { // one class only: the areas are undefined
        values.put(Metric.ROC_AUC, Double.NaN);
        values.put(Metric.PR_AUC, Double.NaN);
      } else {
        Areas a = areas.get();
        values.put(Metric.ROC_AUC, a.roc());
        values.put(Metric.PR_AUC, a.pr());
        points = a.points();
      }
    }
    values.forEach((m, v) -> Json.putNumber(json, m.key(), v));
    Json.putNumber(json, "precision_macro", mean(precision));
    Json.putNumber(json, "recall_macro", mean(recall));
    json.set("per_class", perClass);
    ArrayNode matrix = json.putArray("confusion_matrix");
    for (long[] row : confusion) {
      ArrayNode r = matrix.addArray();
      for (long v : row) {
        r.add(v);
      }
    }
    return new Metrics(values, confusion, points, json);
  }

  public static Metrics regression(Dataset<Row> predictions) {
    Row counts = predictions.agg(count(col(Predictions.LABEL)), count(lit(1))).first();
    long rows = counts.getLong(0);
    if (rows == 0) {
      return regression(rows, counts.getLong(1) - rows, Double.NaN, Double.NaN, Double.NaN);
    }
    RegressionMetrics m = new RegressionMetrics(predictions.where(col(Predictions.LABEL).isNotNull())
        .select(Predictions.PREDICTION, Predictions.LABEL).javaRDD()
        .map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1))).rdd());
    return regression(rows, counts.getLong(1) - rows, m.rootMeanSquaredError(), m.meanAbsoluteError(), m.r2());
  }

  /** {@link RegressionMetrics}' definitions on the driver (R² against the labels' own mean). */
  private static Metrics regressionOfRows(List<Row> predictions) {
    List<double[]> labelled = new ArrayList<>();
    for (Row r : predictions) {
      if (!r.isNullAt(r.fieldIndex(Predictions.LABEL))) {
        labelled.add(new double[] {r.getDouble(r.fieldIndex(Predictions.PREDICTION)),
            r.getDouble(r.fieldIndex(Predictions.LABEL))});
      }
    }
    long rows = labelled.size();
    if (rows == 0) {
      return regression(0, predictions.size(), Double.NaN, Double.NaN, Double.NaN);
    }
    double mean = labelled.stream().mapToDouble(pl -> pl[1]).average().orElseThrow();
    double squared = 0;
    double absolute = 0;
    double total = 0;
    for (double[] pl : labelled) {
      squared += (pl[0] - pl[1]) * (pl[0] - pl[1]);
      absolute += Math.abs(pl[0] - pl[1]);
      total += (pl[1] - mean) * (pl[1] - mean);
    }
    return regression(rows, predictions.size() - rows, Math.sqrt(squared / rows), absolute / rows, 1 - squared / total);
  }

  private static Metrics regression(long rows, long unlabelled, double rmse, double mae, double r2) {
    Map<Metric, Double> values = new EnumMap<>(Metric.class);
    values.put(Metric.RMSE, rmse);
    values.put(Metric.MAE, mae);
    values.put(Metric.R2, Double.isFinite(r2) ? r2 : Double.NaN); // a constant label explains nothing to compare
    ObjectNode json = Json.object();
    json.put("rows", rows);
    json.put("unlabelled_rows", unlabelled);
    values.forEach((m, v) -> Json.putNumber(json, m.key(), v));
    return new Metrics(values, null, List.of(), json);
  }

  /** A row's array column as a list, or null. */
  private static List<Double> list(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i) ? null : r.getList(i);
  }

  /** {@code element_at(array, i + 1)}: null past the end. */
  private static Double element(List<Double> array, int i) {
    return i < array.size() ? array.get(i) : null;
  }

  private static double mean(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return xs.length == 0 ? Double.NaN : s / xs.length;
  }
}
