package dev.duet.traindl;

import dev.duet.config.NetworkConfig;
import dev.duet.store.Json;
import dev.duet.training.CleanTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many rows a network trains on under a budget, so that it gets at least {@link #MIN_EPOCHS}
 * epochs in its share: an epoch's cost is measured on a copy of the fresh network with two small
 * seeded samples of the minibatches (a line through both separates a fit's fixed cost from its
 * per-batch cost), and the rows are cut down when the epochs would not fit. The choice is kept
 * beside the network's checkpoints, so a resumed attempt trains on the same rows.
 */
final class EpochPlan {
  static final int MIN_EPOCHS = 3;
  /** A fit is started only if 1.25x its estimate fits. */
  static final double MARGIN = 1.25;
  private static final Logger LOG = LoggerFactory.getLogger(EpochPlan.class);

  private EpochPlan() {}

  /** The rows an earlier attempt chose for {@code net} under the budget, if one did. */
  static Optional<Long> recorded(FileSystem fs, Path checkpointRoot, String network) {
    Path file = file(checkpointRoot, network);
    try {
      return fs.exists(file) ? Optional.of(Json.read(fs, file).path("max_train_rows").asLong()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  static void record(FileSystem fs, Path checkpointRoot, String network, long rows) {
    Json.write(fs, file(checkpointRoot, network), Json.object().put("max_train_rows", rows));
  }

  private static Path file(Path checkpointRoot, String network) {
    return new Path(checkpointRoot, network + ".budget-rows.json");
  }

  /**
   * Seconds of one epoch (fit and validation) over {@code batches} minibatches and
   * {@code validationRows}, measured on a copy of {@code graph} (which stays as it is).
   */
  static double epochSeconds(JavaSparkContext sc, NetworkConfig net, ComputationGraph graph, TrainingMaster<?, ?> master,
      JavaRDD<MultiDataSet> fitBatches, long batches, long fitRows, long validationRows) {
    long small = Math.max(1, (long) net.workers() * net.averagingFrequency());
    if (batches <= 3 * small) {
      return Double.NaN; // a sample as big as the data: the first epoch measures itself
    }
    SparkComputationGraph probe = new SparkComputationGraph(sc, graph.clone(), master);
    double t1 = fit(probe, fitBatches, (double) small / batches, net.seed());
    double t2 = fit(probe, fitBatches, 3.0 * small / batches, net.seed() + 1);
    double slope = (t2 - t1) / (2.0 * small);
    double perBatch = slope > 0 ? slope : t2 / (3.0 * small);
    double fit = t2 + perBatch * (batches - 3 * small);
    // Validation runs the network forward only: about a third of a training step per row.
    double validation = perBatch * batches * validationRows / Math.max(1, fitRows) / 3;
    LOG.info("train-dl: {}: an epoch of {} minibatches should take about {} s (fit samples: {} s, {} s)", net.name(),
        batches, Math.round(fit + validation), Math.round(t1 * 10) / 10.0, Math.round(t2 * 10) / 10.0);
    return fit + validation;
  }

  private static double fit(SparkComputationGraph probe, JavaRDD<MultiDataSet> batches, double fraction, long seed) {
    long t0 = System.nanoTime();
    probe.fitMultiDataSet(batches.sample(false, Math.min(1, fraction), seed));
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * The train rows (validation slice included) that give {@code epochs} epochs in {@code seconds},
   * or {@code rows} when they already do; at least what the network's own checks need (a
   * minibatch per worker to fit on, {@link CleanTable#MIN_ROWS} to validate on).
   */
  static long rowsFor(NetworkConfig net, long rows, double epochSeconds, int epochs, double seconds) {
    if (Double.isNaN(epochSeconds) || epochSeconds * epochs * MARGIN <= seconds) {
      return rows;
    }
    long fitting = (long) (rows * seconds / (epochSeconds * epochs * MARGIN));
    double vf = net.validationFraction();
    long fewest = (long) Math.ceil(Math.max(CleanTable.MIN_ROWS / vf,
        Math.max(CleanTable.MIN_ROWS, (double) net.batchSize() * net.workers()) / (1 - vf)));
    return Math.min(rows, Math.max(fewest, fitting));
  }
}
