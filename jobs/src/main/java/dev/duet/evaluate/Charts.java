package dev.duet.evaluate;

import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.CurvePoint;
import dev.duet.training.Metrics.RocPoint;
import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.config.EvaluateConfig.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts (XChart, rendered headless to PNG bytes). */
final class Charts {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 420;

  static {
    System.setProperty("java.awt.headless", "true"); // executors and CI have no display
  }

  private Charts() {}

  /** ROC curves of every binary classifier on one set of axes. */
  static byte[] roc(List<Scored> models) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("ROC curves (test split)")
        .xAxisTitle("false positive rate").yAxisTitle("true positive rate").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
    chart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE);
    for (Scored s : models) {
      List<RocPoint> pts = s.metrics().roc();
      if (pts.isEmpty()) {
        continue;
      }
      double[] x = pts.stream().mapToDouble(RocPoint::fpr).toArray();
      double[] y = pts.stream().mapToDouble(RocPoint::tpr).toArray();
      chart.addSeries(s.candidate().id() + " (AUC " + Recommendation.fmt(s.score(Metric.ROC_AUC)) + ")", x, y)
          .setMarker(SeriesMarkers.NONE);
    }
    return png(chart);
  }

  /** A confusion matrix as a heat map: true class up the side, predicted class along the bottom, by name. */
  static byte[] confusion(Scored s, List<String> classNames) {
    long[][] m = s.metrics().confusion();
    int k = m.length;
    List<Number[]> cells = new ArrayList<>();
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        cells.add(new Number[] {p, t, m[t][p]});
      }
    }
    HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH / 2 + 60).height(HEIGHT)
        .title("Confusion: " + s.candidate().id()).xAxisTitle("predicted").yAxisTitle("true").build();
    chart.getStyler().setShowValue(k <= 12).setLegendVisible(false);
    List<String> axis = classNames.subList(0, k);
    chart.addSeries("counts", axis, axis, cells);
    return png(chart);
  }

  /** A network's per-epoch train and validation loss (and validation accuracy for a classifier). */
  static byte[] epochs(Scored s) {
    List<ModelCard.Epoch> curve = s.candidate().card().epochs();
    double[] epoch = curve.stream().mapToDouble(ModelCard.Epoch::epoch).toArray();
    double[] train = curve.stream().mapToDouble(ModelCard.Epoch::trainLoss).toArray();
    double[] validation = curve.stream().mapToDouble(ModelCard.Epoch::validationLoss).toArray();
    boolean classifier = !curve.isEmpty() && curve.get(0).validationAccuracy() != null;
    double[] accuracy = classifier ? curve.stream().mapToDouble(ModelCard.Epoch::validationAccuracy).toArray() : null;
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Training curve: " + s.candidate().id()).xAxisTitle("epoch").yAxisTitle("loss / accuracy").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    chart.addSeries("train loss (last minibatch)", epoch, train);
    chart.addSeries("validation loss", epoch, validation);
    if (classifier) {
      chart.addSeries("validation accuracy", epoch, accuracy);
    }
    return png(chart);
  }

  /**
   * The best model of each family side by side: the drop in the metric when each of their top
   * input columns is shuffled (the union of both families' top columns, on equal terms).
   */
  static byte[] permutationImportance(List<Scored> models, Metric m) {
    java.util.LinkedHashSet<String> columns = new java.util.LinkedHashSet<>();
    models.forEach(s -> s.candidate().permutationTop(8).forEach(e -> columns.add(e.getKey())));
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Permutation importance (test rows)").xAxisTitle("input column")
        .yAxisTitle("drop in " + m.key() + " when shuffled").build();
    chart.getStyler().setXAxisLabelRotation(45);
    List<String> x = List.copyOf(columns);
    for (Scored s : models) {
      Map<String, Double> drop = new java.util.HashMap<>();
      s.candidate().permutationTop(Integer.MAX_VALUE).forEach(e -> drop.put(e.getKey(), e.getValue()));
      chart.addSeries(s.candidate().id(), x, x.stream().map(c -> (Number) drop.getOrDefault(c, 0.0)).toList());
    }
    return png(chart);
  }

  /** Every model's test score against its training time (log scale). */
  static byte[] scoreVersusTime(List<Scored> models, Metric m) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(m.key() + " vs training time")
        .xAxisTitle("training wall time, s (log)").yAxisTitle(m.key() + " (test)").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(12);
    chart.getStyler().setXAxisLogarithmic(true);
    for (Scored s : models) {
      double y = s.score(m);
      if (!Double.isNaN(y)) {
        chart.addSeries(s.candidate().id(), new double[] {Math.max(0.01, s.candidate().card().trainSeconds())}, new double[] {y});
      }
    }
    return png(chart);
  }

  /**
   * Each family's best validation score so far against its training stage's seconds (log scale),
   * a step line per family: which family gives the better model for the same minutes.
   */
  static byte[] anytime(Budgets budgets, Metric m) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Anytime: best validation " + m.key()
        + " vs seconds").xAxisTitle("seconds into the training stage (log)").yAxisTitle(m.key() + " (validation)").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Step);
    chart.getStyler().setXAxisLogarithmic(true);
    for (ModelCard.Family f : ModelCard.Family.values()) {
      List<dev.duet.contracts.ModelCards.AnytimePoint> t = budgets.trace(f);
      if (!t.isEmpty()) {
        chart.addSeries(f.title(), t.stream().mapToDouble(p -> Math.max(0.1, p.seconds())).toArray(),
            t.stream().mapToDouble(dev.duet.contracts.ModelCards.AnytimePoint::score).toArray());
      }
    }
    return png(chart);
  }

  /** Test score against training rows for each refit fraction, one line per model. */
  static byte[] learningCurve(Map<String, List<CurvePoint>> curves, Metric m) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Learning curve: " + m.key() + " vs training rows")
        .xAxisTitle("training rows (log)").yAxisTitle(m.key() + " (test)").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    chart.getStyler().setXAxisLogarithmic(true);
    curves.forEach((model, points) -> chart.addSeries(model,
        points.stream().mapToDouble(p -> Math.max(1, p.trainRows())).toArray(),
        points.stream().mapToDouble(CurvePoint::score).toArray()));
    return png(chart);
  }

  private static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot render chart " + chart.getTitle() + ": " + e.getMessage(), e);
    }
  }
}
