package dev.duet.verdict;

import dev.duet.contracts.ModelCard.Family;
import dev.duet.verdict.PipelineRow.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;

/** One pipeline's models: test score against training wall time (log), a colour per family (XChart, headless PNG). */
final class ScoreVersusTime {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  private ScoreVersusTime() {}

  static byte[] png(PipelineRow row) {
    XYChart chart = new XYChartBuilder().width(480).height(320).title(row.pipeline() + ": " + row.metric().key()
        + " vs training time").xAxisTitle("training wall time, s (log)").yAxisTitle(row.metric().key() + " (test)").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(10);
    chart.getStyler().setXAxisLogarithmic(true);
    for (Family f : Family.values()) {
      List<Model> models = row.models().stream().filter(m -> m.family() == f && !Double.isNaN(m.score())).toList();
      if (!models.isEmpty()) {
        chart.addSeries(f.title(), models.stream().mapToDouble(m -> Math.max(0.01, m.trainSeconds())).toArray(),
            models.stream().mapToDouble(Model::score).toArray());
      }
    }
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot render the chart of " + row.pipeline() + ": " + e.getMessage(), e);
    }
  }
}
