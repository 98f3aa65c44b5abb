package dev.duet.config;

import dev.duet.config.PipelineConfig.DatePart;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code train_ml} section: which columns feed the feature pipeline, how candidates are
 * tuned, and which classic algorithms to train.
 *
 * @param features     the feature pipeline's inputs
 * @param maxTrainRows a seeded sample of the train split of at most this many rows (empty: all)
 * @param tuning       how each algorithm's grid is searched
 * @param algorithms   the algorithms to train, each with its parameter grid
 * @param knn          k-NN's sizes (used when {@code knn} is among the algorithms)
 */
public record TrainMlConfig(
    FeatureSpec features,
    Optional<Long> maxTrainRows,
    Tuning tuning,
    List<AlgorithmSpec> algorithms,
    KnnSettings knn) {
  /** k-NN's one tuned parameter: the neighbours that vote. */
  public static final String KNN_K = "k";

  /**
   * @param categorical string-like columns: indexed (trees) or one-hot encoded (linear, k-NN)
   * @param numeric     numeric columns: median-imputed, standardised for linear models and k-NN
   * @param datetime    date/timestamp columns and the parts taken from each as numeric features
   * @param text        string columns of free text: words (stop words removed) and/or character
   *                    n-grams, term counts over a vocabulary fitted on the train split,
   *                    weighted by IDF
   * @param vocabulary  the size of each text column's vocabulary
   */
  public record FeatureSpec(List<String> categorical, List<String> numeric, Map<String, List<DatePart>> datetime,
      List<String> text, Vocabulary vocabulary) {
    public FeatureSpec(List<String> categorical, List<String> numeric, Map<String, List<DatePart>> datetime) {
      this(categorical, numeric, datetime, List.of(), Vocabulary.DEFAULT);
    }

    /** Every input column the pipeline reads. */
    public List<String> columns() {
      List<String> all = new ArrayList<>(categorical);
      all.addAll(numeric);
      all.addAll(datetime.keySet());
      all.addAll(text);
      return all;
    }
  }

  /**
   * @param size        the most frequent terms kept per text column
   * @param minDocFreq  a term must occur in at least this many train rows (rarer ones are noise
   *                    and memorised ids: message ids, hashes)
   * @param words       whether words (stop words removed) are terms
   * @param charNgrams  character n-grams of these lengths are terms too (empty: none), as
   *                    scikit-learn's {@code analyzer="char_wb"} / {@code "char"} make them
   * @param withinWords n-grams inside each word padded by a space on each side (char_wb), or
   *                    across the whole text, whitespace runs as one space (char)
   */
  public record Vocabulary(int size, int minDocFreq, boolean words, List<Integer> charNgrams, boolean withinWords) {
    public static final Vocabulary DEFAULT = new Vocabulary(20_000, 2, true, List.of(), true);

    public Vocabulary(int size, int minDocFreq) {
      this(size, minDocFreq, DEFAULT.words, DEFAULT.charNgrams, DEFAULT.withinWords);
    }
  }

  public enum TuningMethod { TRAIN_VALIDATION_SPLIT, CROSS_VALIDATION }

  /**
   * @param method      train/validation split of the train split, or k-fold cross-validation
   * @param trainRatio  share of the train split fitted on by train_validation_split
   * @param folds       folds of cross_validation
   * @param parallelism candidates fitted at once
   * @param metric      the score candidates are ranked by (empty: areaUnderROC for two classes,
   *                    accuracy for more, rmse for regression)
   * @param seed        seed of the validation split, of the randomised algorithms and of the
   *                    candidates drawn from ranges
   * @param samples     candidates drawn at random from a grid that has ranges
   */
  public record Tuning(TuningMethod method, double trainRatio, int folds, int parallelism,
      Optional<String> metric, long seed, int samples) {}

  /**
   * A parameter's range, sampled uniformly (log-uniformly with {@code log}) into candidates; an
   * integer parameter gets whole numbers.
   */
  public record Range(double min, double max, boolean log) {}

  /**
   * @param grid              the estimator's own parameter name → values to try (k-NN: {@code k})
   * @param ranges            parameter name → range to draw candidates from (empty: the grid's combinations)
   * @param nativeCategorical XGBoost and LightGBM: split indexed categoricals as categories
   *                          ({@code categorical: native}, the default) rather than as ordered
   *                          numbers ({@code categorical: ordinal}); ignored by the rest
   */
  public record AlgorithmSpec(Algorithm algorithm, Map<String, List<String>> grid, Map<String, Range> ranges,
      boolean nativeCategorical) {
    public AlgorithmSpec(Algorithm algorithm, Map<String, List<String>> grid) {
      this(algorithm, grid, Map.of(), true);
    }

    /** The same algorithm with these values only (a learning curve's refit of the tuned candidate). */
    public AlgorithmSpec withGrid(Map<String, List<String>> fixed) {
      return new AlgorithmSpec(algorithm, fixed, Map.of(), nativeCategorical);
    }
  }

  /**
   * @param referenceRows  train rows k-NN searches (a seeded sample when the split is larger)
   * @param validationRows validation rows k-NN scores each k on while tuning
   * @param blockRows      rows per block of the blocked brute-force search
   */
  public record KnnSettings(long referenceRows, long validationRows, int blockRows) {}

  /** The same features and tuning for one algorithm with a fixed grid, on at most {@code maxRows} rows. */
  public TrainMlConfig only(AlgorithmSpec spec, long maxRows) {
    return new TrainMlConfig(features, Optional.of(maxRows), tuning, List.of(spec), knn);
  }

  public Optional<AlgorithmSpec> algorithm(Algorithm a) {
    return algorithms.stream().filter(s -> s.algorithm() == a).findFirst();
  }
}
