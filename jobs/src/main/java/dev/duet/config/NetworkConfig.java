package dev.duet.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One network of the {@code train_dl} section, trained data-parallel with DL4J's parameter
 * averaging on Spark, checkpointed, predicted and evaluated under its own name.
 *
 * @param name               how the store, the logs and the report name it ({@code mlp}, {@code cnn},
 *                           or the key under {@code train_dl.networks})
 * @param network            mlp (dense layers), cnn (LeNet-style over image rows), or a sequence
 *                           network over a text column's words: lstm or cnn1d
 * @param numeric            numeric input columns, standardised with train statistics (for a CNN:
 *                           the pixels in row-major order, already scaled; not standardised)
 * @param standardize        standardise numeric inputs with the train mean and deviation (off for
 *                           inputs already on a common scale, e.g. pixels in [0, 1], where a near-
 *                           constant border pixel would otherwise be blown up)
 * @param categorical        categorical input columns
 * @param categoricalInputs  entity embeddings (one per column, width from its cardinality) or one-hot
 * @param image              height, width and channels of a CNN's input
 * @param sequence           the text column a sequence network reads, and its shape
 * @param hidden             widths of the hidden dense layers (ReLU): an MLP's, or a sequence
 *                           network's after the pooling
 * @param dropout            dropout probability on hidden layers (0: none)
 * @param batchNorm          batch normalisation before each hidden layer's activation
 * @param learningRate       Adam's learning rate at the first epoch
 * @param schedule           how the learning rate changes from epoch to epoch
 * @param decay              the exponential schedule's factor per epoch
 * @param weightDecay        decoupled weight decay (AdamW-style) on the weights (0: none)
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
public record NetworkConfig(
    String name,
    Network network,
    List<String> numeric,
    boolean standardize,
    List<String> categorical,
    CategoricalInputs categoricalInputs,
    Optional<Image> image,
    Optional<Sequence> sequence,
    List<Integer> hidden,
    double dropout,
    boolean batchNorm,
    double learningRate,
    Schedule schedule,
    double decay,
    double weightDecay,
    Optional<Long> maxTrainRows,
    int epochs,
    int batchSize,
    int workers,
    int averagingFrequency,
    int prefetch,
    int patience,
    double validationFraction,
    long seed) {

  public enum Network {
    MLP, CNN,
    /** Embedded words through an LSTM (optionally bidirectional), max-pooled over time. */
    LSTM,
    /** Embedded words through one-dimensional convolutions, max-pooled over time. */
    CNN1D;

    /** Reads a text column as a sequence of words. */
    public boolean readsSequences() {
      return this == LSTM || this == CNN1D;
    }
  }

  /** How a categorical column enters the network. */
  public enum CategoricalInputs { EMBEDDING, ONE_HOT }

  /** The learning rate per epoch: constant, multiplied by {@code decay} each epoch, or cosine-annealed to 0. */
  public enum Schedule {
    CONSTANT, EXPONENTIAL, COSINE;

    /** The rate for {@code epoch} (1-based) of {@code epochs}. */
    public double rate(double initial, double decay, int epoch, int epochs) {
      return switch (this) {
        case CONSTANT -> initial;
        case EXPONENTIAL -> initial * Math.pow(decay, epoch - 1);
        // Half a cosine over the epoch budget; the last epoch still learns at a small positive rate.
        case COSINE -> initial * 0.5 * (1 + Math.cos(Math.PI * (epoch - 1) / Math.max(1, epochs)));
      };
    }
  }

  public record Image(int height, int width, int channels) {
    public int pixels() {
      return height * width * channels;
    }
  }

  /** What one step of a sequence network reads: a word, or a character. */
  public enum TextUnit { WORD, CHAR }

  /**
   * @param column        the text column, split into words as train-ml splits them, or into
   *                      characters
   * @param unit          words or characters
   * @param maxTokens     words (characters) read per row, the first ones (longer texts are cut there)
   * @param vocabulary    the most frequent words (characters) of the train split that get their
   *                      own embedding (in at least two rows); the rest share one
   * @param embedding     width of each word's embedding
   * @param units         LSTM units per direction, or cnn1d filters
   * @param kernel        cnn1d: words each filter reads at once
   * @param bidirectional lstm: read the words backwards too
   */
  public record Sequence(String column, TextUnit unit, int maxTokens, int vocabulary, int embedding, int units, int kernel,
      boolean bidirectional) {}

  /**
   * What a checkpoint depends on: everything but the epoch budget and patience, so a rerun with
   * more epochs resumes while one with another network or other inputs starts afresh.
   */
  public String checkpointKey() {
    return String.join("|", network.name(), numeric.toString(), String.valueOf(standardize), categorical.toString(),
        categoricalInputs.name(), image.toString(), sequence.toString(), hidden.toString(), String.valueOf(dropout),
        String.valueOf(batchNorm), String.valueOf(learningRate), schedule.name(), String.valueOf(decay),
        String.valueOf(weightDecay), maxTrainRows.toString(), String.valueOf(batchSize), String.valueOf(workers),
        String.valueOf(averagingFrequency), String.valueOf(validationFraction), String.valueOf(seed));
  }

  /** The same network and training on a seeded sample of at most {@code rows} train rows. */
  public NetworkConfig withMaxTrainRows(long rows) {
    return new NetworkConfig(name, network, numeric, standardize, categorical, categoricalInputs, image, sequence, hidden,
        dropout, batchNorm, learningRate, schedule, decay, weightDecay, Optional.of(rows), epochs, batchSize, workers,
        averagingFrequency, prefetch, patience, validationFraction, seed);
  }

  /** The same network trained for {@code n} epochs (a budgeted learning curve's refit: as many as the network had). */
  public NetworkConfig withEpochs(int n) {
    return new NetworkConfig(name, network, numeric, standardize, categorical, categoricalInputs, image, sequence, hidden,
        dropout, batchNorm, learningRate, schedule, decay, weightDecay, maxTrainRows, n, batchSize, workers,
        averagingFrequency, prefetch, patience, validationFraction, seed);
  }

  public List<String> columns() {
    List<String> all = new ArrayList<>(numeric);
    all.addAll(categorical);
    sequence.map(Sequence::column).ifPresent(all::add); // none where text named no column (a problem already)
    return all;
  }
}
