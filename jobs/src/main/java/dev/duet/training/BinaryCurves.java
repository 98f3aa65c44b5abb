package dev.duet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Exact ROC and precision-recall curves of a binary scorer, computed on the cluster: rows are
 * counted per distinct score, sorted by descending score (a tie is one threshold), each
 * partition's positives and negatives summed and collected (one pair per partition), and then
 * every partition integrates its stretch of the curves from its offset. The areas follow MLlib's
 * {@code BinaryClassificationMetrics} without down-sampling: ROC from (0, 0), PR from
 * (0, precision at the first threshold), trapezoids between thresholds.
 */
public final class BinaryCurves {
  /** A curve point: false positive rate, true positive rate (= recall), precision. */
  public record Point(double fpr, double tpr, double precision) implements Serializable {}

  /** The areas and about {@code maxPoints} points of each curve (for charts). */
  public record Result(double rocAuc, double prAuc, long positives, long negatives, List<Point> points) {}

  private BinaryCurves() {}

  /** @param scored a {@code score} column (higher: more likely positive) and a 0/1 {@code label} */
  public static Result of(Dataset<Row> scored, int maxPoints) {
    JavaPairRDD<Double, long[]> byScore = scored
        .groupBy(col("score"))
        .agg(sum(when(col("label").equalTo(1), 1L).otherwise(0L)).as("pos"),
            sum(when(col("label").equalTo(1), 0L).otherwise(1L)).as("neg"))
        .where(col("score").isNotNull())
        .toJavaRDD()
        .mapToPair(r -> new Tuple2<>(r.getDouble(0), new long[] {r.getLong(1), r.getLong(2)}))
        .sortByKey(false)
        .cache();
    try {
      List<long[]> totals = byScore.mapPartitionsWithIndex((Integer idx, Iterator<Tuple2<Double, long[]>> it) -> {
        long[] t = {idx, 0, 0};
        it.forEachRemaining(e -> {
          t[1] += e._2()[0];
          t[2] += e._2()[1];
        });
        return List.of(t).iterator();
      }, true).collect();
      int parts = totals.size();
      long[] offPos = new long[parts + 1];
      long[] offNeg = new long[parts + 1];
      long[][] byIndex = new long[parts][];
      totals.forEach(t -> byIndex[(int) t[0]] = t);
      for (int i = 0; i < parts; i++) {
        offPos[i + 1] = offPos[i] + byIndex[i][1];
        offNeg[i + 1] = offNeg[i] + byIndex[i][2];
      }
      long p = offPos[parts];
      long n = offNeg[parts];
      if (p == 0 || n == 0) {
        return new Result(Double.NaN, Double.NaN, p, n, List.of());
      }
      double stride = Math.max(1.0, (double) (p + n) / maxPoints);
      List<Partial> partials = byScore.mapPartitionsWithIndex((Integer idx, Iterator<Tuple2<Double, long[]>> it) -> {
        Partial s = new Partial();
        long tp = offPos[idx];
        long fp = offNeg[idx];
        double prevTpr = (double) tp / p;
        double prevFpr = (double) fp / n;
        double prevPrecision = tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
        double nextPoint = Math.floor((tp + fp) / stride) * stride + stride;
        while (it.hasNext()) {
          long[] c = it.next()._2();
          tp += c[0];
          fp += c[1];
          double tpr = (double) tp / p;
          double fpr = (double) fp / n;
          double precision = (double) tp / (tp + fp);
          if (Double.isNaN(prevPrecision)) {
            prevPrecision = precision; // the PR curve starts at (0, precision at the first threshold)
          }
          s.roc += (fpr - prevFpr) * (tpr + prevTpr) / 2;
          s.pr += (tpr - prevTpr) * (precision + prevPrecision) / 2;
          if (tp + fp >= nextPoint || !it.hasNext()) {
            s.points.add(new Point(fpr, tpr, precision));
            nextPoint = Math.floor((tp + fp) / stride) * stride + stride;
          }
          prevTpr = tpr;
          prevFpr = fpr;
          prevPrecision = precision;
        }
        s.index = idx;
        return List.of(s).iterator();
      }, true).collect();
      double roc = 0;
      double pr = 0;
      List<Point> points = new ArrayList<>();
      points.add(new Point(0, 0, Double.NaN));
      for (Partial s : partials.stream().sorted(java.util.Comparator.comparingInt(x -> x.index)).toList()) {
        roc += s.roc;
        pr += s.pr;
        points.addAll(s.points);
      }
      return new Result(roc, pr, p, n, points);
    } finally {
      byScore.unpersist();
    }
  }

  /** One partition's share of the areas and its sampled points. */
  private static final class Partial implements Serializable {
    int index;
    double roc;
    double pr;
    final List<Point> points = new ArrayList<>();
  }
}
