package dev.duet.training;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.Predictions;
import dev.duet.store.Json;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Test-split metrics of one model from its predictions (row_id, label, prediction, probability,
 * raw_score), computed by Spark aggregations: a confusion matrix from a group-by, log loss and
 * regression errors from sums, ROC/PR from {@link BinaryCurves}. Nothing row-level is collected.
 *
 * @param values    every metric that applies, by name (NaN where undefined, e.g. AUC with one class)
 * @param confusion rows: true class, columns: predicted class (null for a regression)
 * @param curve     ROC/PR points (empty unless binary and scored)
 * @param json      the same, for metrics.json
 */
public record Metrics(Map<Metric, Double> values, long[][] confusion, List<BinaryCurves.Point> curve, ObjectNode json) {
  /** Log loss clips probabilities here, as MLlib does. */
  public static final double EPSILON = 1e-15;
  private static final int CURVE_POINTS = 200;

  public double get(Metric m) {
    return values.getOrDefault(m, Double.NaN);
  }

  public static Metrics classification(Dataset<Row> predictions, int classes) {
    Dataset<Row> p = predictions.where(col(Predictions.LABEL).isNotNull());
    Row totals = predictions.agg(count(lit(1)), count(col(Predictions.LABEL)),
        avg(when(col(Predictions.PROBABILITY).isNotNull().and(col(Predictions.LABEL).isNotNull()),
            log(greatest(element_at(col(Predictions.PROBABILITY), col(Predictions.LABEL).cast("int").plus(1)), lit(EPSILON))).multiply(-1))),
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
    double[] precision = new double[k];
    double[] recall = new double[k];
    double[] f1 = new double[k];
    long correct = 0;
    double weightedF1 = 0;
    ArrayNode perClass = Json.array();
    for (int c = 0; c < k; c++) {
      long truth = 0;
      long predicted = 0;
      for (int o = 0; o < k; o++) {
        truth += confusion[c][o];
        predicted += confusion[o][c];
      }
      correct += confusion[c][c];
      precision[c] = predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
      recall[c] = truth == 0 ? 0 : (double) confusion[c][c] / truth;
      f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
      weightedF1 += rows == 0 ? 0 : f1[c] * truth / rows;
      ObjectNode pc = perClass.addObject();
      pc.put("class", c);
      pc.put("support", truth);
      pc.put("precision", precision[c]);
      pc.put("recall", recall[c]);
      pc.put("f1", f1[c]);
    }
    Map<Metric, Double> values = new EnumMap<>(Metric.class);
    values.put(Metric.ACCURACY, rows == 0 ? Double.NaN : (double) correct / rows);
    values.put(Metric.F1_MACRO, mean(f1));
    values.put(Metric.LOG_LOSS, totals.getLong(3) == 0 || totals.isNullAt(2) ? Double.NaN : totals.getDouble(2));
    List<BinaryCurves.Point> curve = List.of();
    if (classes == 2) {
      // A probability where the model has one; a margin otherwise (linear SVM). Either ranks rows.
      Column score = when(col(Predictions.PROBABILITY).isNotNull(), element_at(col(Predictions.PROBABILITY), 2))
          .otherwise(element_at(col(Predictions.RAW_SCORE), 2));
      BinaryCurves.Result r = BinaryCurves.of(p.select(score.as("score"), col(Predictions.LABEL)), CURVE_POINTS);
      values.put(Metric.ROC_AUC, r.rocAuc());
      values.put(Metric.PR_AUC, r.prAuc());
      curve = r.points();
    }
    values.forEach((m, v) -> Json.putNumber(json, m.key(), v));
    Json.putNumber(json, "precision_macro", mean(precision));
    Json.putNumber(json, "recall_macro", mean(recall));
    Json.putNumber(json, "f1_weighted", weightedF1);
    json.set("per_class", perClass);
    ArrayNode matrix = json.putArray("confusion_matrix");
    for (long[] row : confusion) {
      ArrayNode r = matrix.addArray();
      for (long v : row) {
        r.add(v);
      }
    }
    return new Metrics(values, confusion, curve, json);
  }

  /** Classification metrics for {@code classes} > 0, regression metrics for 0. */
  public static Metrics of(Dataset<Row> predictions, int classes) {
    return classes > 0 ? classification(predictions, classes) : regression(predictions);
  }

  public static Metrics regression(Dataset<Row> predictions) {
    Column error = col(Predictions.PREDICTION).minus(col(Predictions.LABEL));
    // One pass: all rows, labelled rows, and the error sums (aggregates skip the unlabelled rows' nulls).
    Row r = predictions.agg(count(col(Predictions.LABEL)), sum(pow(error, 2)), sum(abs(error)), var_pop(col(Predictions.LABEL)),
        count(lit(1))).first();
    long rows = r.getLong(0);
    Map<Metric, Double> values = new EnumMap<>(Metric.class);
    double sse = rows == 0 ? Double.NaN : r.getDouble(1);
    values.put(Metric.RMSE, Math.sqrt(sse / rows));
    values.put(Metric.MAE, rows == 0 ? Double.NaN : r.getDouble(2) / rows);
    double sst = rows == 0 ? Double.NaN : r.getDouble(3) * rows;
    values.put(Metric.R2, sst > 0 ? 1 - sse / sst : Double.NaN);
    ObjectNode json = Json.object();
    json.put("rows", rows);
    json.put("unlabelled_rows", r.getLong(4) - rows);
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
