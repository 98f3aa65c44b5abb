package dev.duet.evaluate;

import dev.duet.training.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.PipelineConfig;
import dev.duet.config.TrainDlConfig;
import dev.duet.config.TrainMlConfig;
import dev.duet.evaluate.Candidate.Family;
import dev.duet.traindl.TrainDlJob;
import dev.duet.trainml.Algorithm;
import dev.duet.trainml.TrainMlJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Map.Entry;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much data each family needs, measured: the best classic model (its tuned params fixed) and
 * the best network are trained again by their own stages' jobs on seeded samples of a fraction
 * of their training rows, into a scratch directory that is deleted afterwards, and scored on the
 * same test split. The full-data point is the model itself.
 */
final class LearningCurve {
  /** One refit: the fraction of the model's training rows, the rows, the test score, the wall time. */
  record Point(double fraction, long rows, double score, double seconds) {}

  private static final Logger LOG = LoggerFactory.getLogger(LearningCurve.class);

  private LearningCurve() {}

  static List<Point> measure(SparkSession spark, PipelineConfig config, String cleanPath, Scored model, Metric m,
      int classes, List<Double> fractions, FileSystem fs, Path scratch) {
    Candidate c = model.candidate();
    List<Point> points = new ArrayList<>();
    try {
      for (double f : fractions) {
        long rows = Math.max(1, Math.round(f * c.trainRows()));
        Path dir = new Path(scratch, c.id().replace(':', '-') + "-" + Math.round(f * 1000));
        long t0 = System.nanoTime();
        Path predictions;
        if (c.family() == Family.CLASSIC) {
          Algorithm a = Algorithm.valueOf(c.name().toUpperCase(Locale.ROOT));
          TrainMlConfig ml = config.trainMl().orElseThrow();
          PipelineConfig one = config.withTrainMl(ml.only(ml.algorithm(a).orElseThrow().withGrid(
              fixed(c.bestParams())), rows));
          new TrainMlJob(spark, one, cleanPath, dir).run();
          predictions = new Path(dir, TrainMlJob.PREDICTIONS + "/" + c.name());
        } else {
          TrainDlConfig dl = config.trainDl().orElseThrow();
          PipelineConfig fewer = config.withTrainDl(dl.only(dl.network(c.name()).orElseThrow().withMaxTrainRows(rows)));
          new TrainDlJob(spark, fewer, cleanPath, dir, new Path(scratch, dir.getName() + ".checkpoints")).run();
          predictions = new Path(dir, TrainDlJob.predictionsPath(c.name()));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        var p = spark.read().parquet(predictions.toString());
        double score = Metrics.of(p, classes).get(m);
        LOG.info("evaluate: learning curve {}: {} of its training rows ({}): {} {} ({} s)", c.id(), f, rows, m.key(),
            Recommendation.fmt(score), String.format(Locale.ROOT, "%.1f", seconds));
        points.add(new Point(f, rows, score, seconds));
      }
      points.add(new Point(1.0, c.trainRows(), model.score(m), c.trainSeconds()));
      return points;
    } finally {
      try {
        fs.delete(scratch, true);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete " + scratch + ": " + e.getMessage(), e);
      }
    }
  }

  /** Tuned params as a one-value grid. */
  private static Map<String, List<String>> fixed(JsonNode bestParams) {
    Map<String, List<String>> grid = new LinkedHashMap<>();
    for (Iterator<Entry<String, JsonNode>> it = bestParams.fields(); it.hasNext(); ) {
      Entry<String, JsonNode> e = it.next();
      grid.put(e.getKey(), List.of(e.getValue().asText()));
    }
    return grid;
  }
}
