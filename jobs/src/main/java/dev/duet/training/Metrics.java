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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 * RegressionMetrics} over the labelled rows. Nothing row-level is collected.
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
    long rows = totals.getLong(1);
    List<Row> cells = p.groupBy(col(Predictions.LABEL), col(Predictions.PREDICTION)).count().collectAsList();
    int k = classes;
    for (Row c : cells) {
      k = Math.max(k, (int) Math.max(c.getDouble(0), c.getDouble(1)) + 1);
    }
    long[][] confusion = new long[k][k];
    cells.forEach(c -> confusion[(int) c.getDouble(0)][(int) c.getDouble(1)] += c.getLong(2));

    ObjectNode json = Json.object();
    json.put("rows", rows);
    json.put("unlabelled_rows", totals.getLong(0) - rows);
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
    values.put(Metric.LOG_LOSS, totals.getLong(3) == 0 || totals.isNullAt(2) ? Double.NaN : totals.getDouble(2));
    List<RocPoint> points = List.of();
    if (classes == 2) {
      long positives = k > 1 ? confusion[1][0] + confusion[1][1] : 0;
      if (positives == 0 || positives == rows) { // one class only: the areas are undefined
        values.put(Metric.ROC_AUC, Double.NaN);
        values.put(Metric.PR_AUC, Double.NaN);
      } else {
        // A probability where the model has one; a margin otherwise (linear SVM). Either ranks rows.
        Column score = when(col(Predictions.PROBABILITY).isNotNull(), element_at(col(Predictions.PROBABILITY), 2))
            .otherwise(element_at(col(Predictions.RAW_SCORE), 2));
        RDD<Tuple2<Object, Object>> scored = p.select(score, col(Predictions.LABEL)).where(score.isNotNull()).javaRDD()
            .map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1))).rdd();
        if (roc) {
          scored.persist(StorageLevel.MEMORY_AND_DISK()); // read twice: for the exact areas and the binned curve
        }
        BinaryClassificationMetrics exact = new BinaryClassificationMetrics(scored, 0);
        try {
          values.put(Metric.ROC_AUC, exact.areaUnderROC());
          values.put(Metric.PR_AUC, exact.areaUnderPR());
          if (roc) {
            BinaryClassificationMetrics binned = new BinaryClassificationMetrics(scored, CURVE_POINTS);
            try {
              points = binned.roc().toJavaRDD().collect().stream()
                  .map(t -> new RocPoint((Double) t._1(), (Double) t._2())).toList();
            } finally {
              binned.unpersist();
            }
          }
        } finally {
          exact.unpersist();
          scored.unpersist(false);
        }
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
    Map<Metric, Double> values = new EnumMap<>(Metric.class);
    if (rows == 0) {
      values.put(Metric.RMSE, Double.NaN);
      values.put(Metric.MAE, Double.NaN);
      values.put(Metric.R2, Double.NaN);
    } else {
      RegressionMetrics m = new RegressionMetrics(predictions.where(col(Predictions.LABEL).isNotNull())
          .select(Predictions.PREDICTION, Predictions.LABEL).javaRDD()
          .map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1))).rdd());
      values.put(Metric.RMSE, m.rootMeanSquaredError());
      values.put(Metric.MAE, m.meanAbsoluteError());
      double r2 = m.r2();
      values.put(Metric.R2, Double.isFinite(r2) ? r2 : Double.NaN); // a constant label explains nothing to compare
    }
    ObjectNode json = Json.object();
    json.put("rows", rows);
    json.put("unlabelled_rows", counts.getLong(1) - rows);
    values.forEach((m, v) -> Json.putNumber(json, m.key(), v));
    return new Metrics(values, null, List.of(), json);
  }

  private static double mean(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return xs.length == 0 ? Double.NaN : s / xs.length;
  }
}
