package dev.duet.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Evaluate's metrics against hand-computed fixtures and against MLlib's own evaluators. */
class MetricsTest {
  private static final StructType PREDICTIONS = new StructType()
      .add("row_id", DataTypes.LongType, false)
      .add("label", DataTypes.DoubleType, true)
      .add("prediction", DataTypes.DoubleType, false)
      .add("probability", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add("raw_score", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
  private final SparkSession spark = SparkTestSession.get();

  @Test
  void binaryMetricsMatchAHandComputedFixture() {
    // scores 0.9(+) 0.8(-) 0.7(+) 0.6(+) 0.4(-) 0.3(-) 0.2(+) 0.1(-), predictions at 0.5; one unlabelled row.
    double[] p1 = {0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1};
    double[] y = {1, 0, 1, 1, 0, 0, 1, 0};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < p1.length; i++) {
      rows.add(RowFactory.create((long) i, y[i], p1[i] > 0.5 ? 1.0 : 0.0, new double[] {1 - p1[i], p1[i]}, null));
    }
    rows.add(RowFactory.create(99L, null, 1.0, new double[] {0.5, 0.5}, null));
    Metrics m = Metrics.of(spark.createDataFrame(rows, PREDICTIONS).repartition(3), 2);

    // Positive-negative pairs ranked right: 0.9 beats 4 negatives, 0.7 and 0.6 beat 3, 0.2 beats 1 → 11 of 16.
    assertThat(m.get(Metric.ROC_AUC)).isCloseTo(11.0 / 16, within(1e-12));
    assertThat(m.get(Metric.ACCURACY)).as("TP 3, TN 3 of 8").isCloseTo(6.0 / 8, within(1e-12));
    assertThat(m.confusion()).isDeepEqualTo(new long[][] {{3, 1}, {1, 3}});
    assertThat(m.get(Metric.F1_MACRO)).isCloseTo(0.75, within(1e-12));
    double logLoss = 0;
    for (int i = 0; i < p1.length; i++) {
      logLoss -= Math.log(y[i] == 1 ? p1[i] : 1 - p1[i]);
    }
    assertThat(m.get(Metric.LOG_LOSS)).isCloseTo(logLoss / 8, within(1e-12));
    // PR: (0,1) → (1/4,1) → (1/4,1/2) → (1/2,2/3) → (3/4,3/4) → (3/4,3/5) → (3/4,1/2) → (1,4/7) → (1,1/2)
    double pr = 0.25 * 1 + 0 + 0.25 * (0.5 + 2.0 / 3) / 2 + 0.25 * (2.0 / 3 + 0.75) / 2 + 0.25 * (0.5 + 4.0 / 7) / 2;
    assertThat(m.get(Metric.PR_AUC)).isCloseTo(pr, within(1e-12));
    assertThat(m.json().path("unlabelled_rows").asLong()).isEqualTo(1);
  }

  @Test
  void binaryAreasAgreeWithMllibOnManyTiedScores() {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      double label = r.nextDouble() < 0.3 ? 1 : 0;
      double score = Math.round((label * 0.4 + r.nextDouble()) * 50) / 50.0; // ~70 distinct scores: many ties
      double p = Math.min(1, score / 1.4);
      rows.add(RowFactory.create((long) i, label, p > 0.5 ? 1.0 : 0.0, new double[] {1 - p, p}, null));
    }
    Dataset<Row> df = spark.createDataFrame(rows, PREDICTIONS).repartition(4);
    Metrics m = Metrics.withRoc(df, 2);
    Dataset<Row> v = df.withColumn("v", org.apache.spark.ml.functions.array_to_vector(df.col("probability")));
    BinaryClassificationEvaluator mllib = new BinaryClassificationEvaluator().setRawPredictionCol("v").setNumBins(0);
    assertThat(m.get(Metric.ROC_AUC)).isCloseTo(mllib.setMetricName("areaUnderROC").evaluate(v), within(1e-9));
    assertThat(m.get(Metric.PR_AUC)).isCloseTo(mllib.setMetricName("areaUnderPR").evaluate(v), within(1e-9));
    assertThat(m.roc()).hasSizeBetween(10, 260).first().isEqualTo(new Metrics.RocPoint(0, 0));
    assertThat(m.roc()).last().isEqualTo(new Metrics.RocPoint(1, 1));
  }

  @Test
  void multiclassMetricsAgreeWithMllib() {
    Random r = new Random(11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      int label = r.nextInt(4);
      double[] p = new double[4];
      double total = 0;
      for (int c = 0; c < 4; c++) {
        p[c] = r.nextDouble() + (c == label ? 1.2 : 0);
        total += p[c];
      }
      int best = 0;
      for (int c = 0; c < 4; c++) {
        p[c] /= total;
        best = p[c] > p[best] ? c : best;
      }
      rows.add(RowFactory.create((long) i, (double) label, (double) best, p, null));
    }
    Dataset<Row> df = spark.createDataFrame(rows, PREDICTIONS);
    Metrics m = Metrics.of(df, 4);
    MulticlassClassificationEvaluator mllib = new MulticlassClassificationEvaluator();
    Dataset<Row> v = df.withColumn("probability", org.apache.spark.ml.functions.array_to_vector(df.col("probability")));
    assertThat(m.get(Metric.ACCURACY)).isCloseTo(mllib.setMetricName("accuracy").evaluate(v), within(1e-12));
    assertThat(m.json().path("f1_weighted").asDouble()).isCloseTo(mllib.setMetricName("f1").evaluate(v), within(1e-12));
    assertThat(m.get(Metric.LOG_LOSS)).isCloseTo(mllib.setMetricName("logLoss").evaluate(v), within(1e-9));
    for (int c = 0; c < 4; c++) {
      assertThat(m.json().at("/per_class/" + c + "/precision").asDouble()).as("precision of " + c)
          .isCloseTo(mllib.setMetricName("precisionByLabel").setMetricLabel(c).evaluate(v), within(1e-12));
      assertThat(m.json().at("/per_class/" + c + "/recall").asDouble()).as("recall of " + c)
          .isCloseTo(mllib.setMetricName("recallByLabel").setMetricLabel(c).evaluate(v), within(1e-12));
    }
    assertThat(m.values()).doesNotContainKey(Metric.ROC_AUC);
  }

  @Test
  void regressionMetricsMatchHandComputedValuesAndMllib() {
    double[][] lp = {{3, 2.5}, {-0.5, 0}, {2, 2}, {7, 8}};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lp.length; i++) {
      rows.add(RowFactory.create((long) i, lp[i][0], lp[i][1], null, null));
    }
    Dataset<Row> df = spark.createDataFrame(rows, PREDICTIONS);
    Metrics m = Metrics.of(df, 0);
    assertThat(m.get(Metric.RMSE)).isCloseTo(Math.sqrt(1.5 / 4), within(1e-12));
    assertThat(m.get(Metric.MAE)).isCloseTo(0.5, within(1e-12));
    assertThat(m.get(Metric.R2)).isCloseTo(1 - 1.5 / 29.1875, within(1e-12)); // SST: labels' squared deviations
    RegressionEvaluator mllib = new RegressionEvaluator();
    assertThat(m.get(Metric.RMSE)).isCloseTo(mllib.setMetricName("rmse").evaluate(df), within(1e-12));
    assertThat(m.get(Metric.R2)).isCloseTo(mllib.setMetricName("r2").evaluate(df), within(1e-12));
    assertThat(m.confusion()).isNull();
  }

  @Test
  void aClassOnlyPredictedKeepsItsCellsAndScoresZeroAndOneClassLeavesTheAreasUndefined() {
    // Truth: classes 0 and 1 only; the model also predicts class 2 once.
    double[][] lp = {{0, 0}, {0, 2}, {0, 0}, {1, 1}, {1, 0}};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lp.length; i++) {
      rows.add(RowFactory.create((long) i, lp[i][0], lp[i][1], null, null));
    }
    Metrics m = Metrics.of(spark.createDataFrame(rows, PREDICTIONS), 3);
    assertThat(m.confusion()).isDeepEqualTo(new long[][] {{2, 0, 1}, {1, 1, 0}, {0, 0, 0}});
    assertThat(m.get(Metric.ACCURACY)).isCloseTo(3.0 / 5, within(1e-12));
    // F1: class 0 (p 2/3, r 2/3) 2/3, class 1 (p 1, r 1/2) 2/3, class 2 0 → macro 4/9.
    assertThat(m.get(Metric.F1_MACRO)).isCloseTo(4.0 / 9, within(1e-12));
    assertThat(m.json().at("/per_class/2/precision").asDouble()).isZero();

    List<Row> oneClass = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      oneClass.add(RowFactory.create((long) i, 1.0, 1.0, new double[] {0.1 * i, 1 - 0.1 * i}, null));
    }
    Metrics binary = Metrics.withRoc(spark.createDataFrame(oneClass, PREDICTIONS), 2);
    assertThat(binary.get(Metric.ROC_AUC)).isNaN();
    assertThat(binary.get(Metric.PR_AUC)).isNaN();
    assertThat(binary.roc()).isEmpty();
    assertThat(binary.get(Metric.ACCURACY)).isEqualTo(1.0);
  }
  @Test
  void rowsOnTheDriverScoreAsTheSparkJobsDo() {
    Random r = new Random(5);
    List<Row> binary = new ArrayList<>();
    List<Row> margins = new ArrayList<>();
    List<Row> multiclass = new ArrayList<>();
    List<Row> regression = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      Double label = i % 97 == 0 ? null : (double) (r.nextDouble() < 0.3 ? 1 : 0);
      double y = label == null ? 0 : label;
      double p = Math.min(1, Math.round((y * 0.4 + r.nextDouble()) * 30) / 42.0); // ties, as trees score
      binary.add(RowFactory.create((long) i, label, p > 0.5 ? 1.0 : 0.0, new double[] {1 - p, p}, null));
      double margin = y - 0.5 + r.nextGaussian(); // a linear SVM: a margin, no probability
      margins.add(RowFactory.create((long) i, label, margin > 0 ? 1.0 : 0.0, null, new double[] {-margin, margin}));
      int c = r.nextInt(3);
      double[] q = {r.nextDouble(), r.nextDouble(), r.nextDouble(), 0};
      q[c] += 1;
      double total = q[0] + q[1] + q[2];
      // Class 3 has no probability slot: log loss takes it as 0, clipped.
      multiclass.add(RowFactory.create((long) i, i % 50 == 0 ? 3.0 : (double) c, (double) c,
          new double[] {q[0] / total, q[1] / total, q[2] / total}, null));
      regression.add(RowFactory.create((long) i, label == null ? null : y * 3 + r.nextGaussian(), y * 3, null, null));
    }
    List<Row> oneClass = binary.stream().filter(x -> !x.isNullAt(1) && x.getDouble(1) == 1.0).toList();
    for (var fixture : List.of(List.of(binary, 2), List.of(margins, 2), List.of(multiclass, 4), List.of(regression, 0),
        List.of(oneClass, 2))) {
      @SuppressWarnings("unchecked")
      Dataset<Row> df = spark.createDataFrame((List<Row>) fixture.get(0), PREDICTIONS).repartition(3);
      int classes = (Integer) fixture.get(1);
      Metrics jobs = Metrics.of(df, classes);
      Metrics driver = Metrics.ofRows(df.collectAsList(), classes);
      assertThat(driver.values().keySet()).isEqualTo(jobs.values().keySet());
      jobs.values().forEach((metric, value) -> assertThat(driver.get(metric)).as(metric + " of " + classes + " classes")
          .isCloseTo(value, within(1e-9)));
      assertThat(driver.confusion()).isDeepEqualTo(jobs.confusion());
      assertThat(driver.json().path("unlabelled_rows")).isEqualTo(jobs.json().path("unlabelled_rows"));
    }
  }
}
