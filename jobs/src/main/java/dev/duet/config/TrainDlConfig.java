package dev.duet.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code train_dl} section: a network over raw features, trained data-parallel with DL4J's
 * parameter averaging on Spark.
 *
 * @param network            mlp (dense layers) or cnn (LeNet-style over image rows)
 * @param numeric            numeric input columns, standardised with train statistics (for a CNN:
 *                           the pixels in row-major order, already scaled; not standardised)
 * @param standardize        standardise numeric inputs with the train mean and deviation (off for
 *                           inputs already on a common scale, e.g. pixels in [0, 1], where a near-
 *                           constant border pixel would otherwise be blown up)
 * @param categorical        categorical input columns, one-hot over the train split's values
 * @param image              height, width and channels of a CNN's input
 * @param hidden             widths of the MLP's hidden layers (ReLU)
 * @param dropout            dropout probability on hidden layers (0: none)
 * @param learningRate       Adam's learning rate
 * @param maxTrainRows       a seeded sample of the train split of at most this many rows (empty: all)
 * @param epochs             passes over the train split (at most, with early stopping)
 * @param batchSize          minibatch size per worker
 * @param workers            data partitions trained in parallel between averaging steps
 * @param averagingFrequency minibatches each worker fits between parameter averaging
 * @param prefetch           minibatches a worker prefetches
 * @param patience           epochs without a better validation score before stopping
 * @param validationFraction share of the train split held out for early stopping
 * @param seed               weight initialisation, validation split and shuffling
 */
public record TrainDlConfig(
    Network network,
    List<String> numeric,
    boolean standardize,
    List<String> categorical,
    Optional<Image> image,
    List<Integer> hidden,
    double dropout,
    double learningRate,
    Optional<Long> maxTrainRows,
    int epochs,
    int batchSize,
    int workers,
    int averagingFrequency,
    int prefetch,
    int patience,
    double validationFraction,
    long seed) {

  public enum Network { MLP, CNN }

  public record Image(int height, int width, int channels) {
    public int pixels() {
      return height * width * channels;
    }
  }

  /**
   * What a checkpoint depends on: everything but the epoch budget and patience, so a rerun with
   * more epochs resumes while one with another network or other inputs starts afresh.
   */
  public String checkpointKey() {
    return String.join("|", network.name(), numeric.toString(), String.valueOf(standardize), categorical.toString(),
        image.toString(), hidden.toString(), String.valueOf(dropout), String.valueOf(learningRate),
        maxTrainRows.toString(), String.valueOf(batchSize), String.valueOf(workers), String.valueOf(averagingFrequency),
        String.valueOf(validationFraction), String.valueOf(seed));
  }

  /** The same network and training on a seeded sample of at most {@code rows} train rows. */
  public TrainDlConfig withMaxTrainRows(long rows) {
    return new TrainDlConfig(network, numeric, standardize, categorical, image, hidden, dropout, learningRate,
        Optional.of(rows), epochs, batchSize, workers, averagingFrequency, prefetch, patience, validationFraction, seed);
  }

  public List<String> columns() {
    List<String> all = new ArrayList<>(numeric);
    all.addAll(categorical);
    return all;
  }
}
