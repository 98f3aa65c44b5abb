package dev.duet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.contracts.InputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Ingest's clean table as both training branches read it: the columns they need checked, the
 * label as a double ({@link Labels#LABEL}: a text or boolean class through ingest's
 * {@link ClassDictionary}) and checked, split into labelled train rows and all
 * test rows.
 *
 * @param counts  rows of the whole table, labelled rows of each split, classes of the label (0 for regression)
 * @param train   train rows with a label
 * @param test    every test row (a null label stays null)
 */
public record CleanTable(Labels.Counts counts, Dataset<Row> train, Dataset<Row> test) {

  public static CleanTable read(SparkSession spark, String path, PipelineConfig config, List<String> inputs) {
    Dataset<Row> clean = spark.read().parquet(path);
    Set<String> present = Set.of(clean.columns());
    List<String> needed = new ArrayList<>(inputs);
    needed.add(config.label());
    needed.add(ConfigLoader.SPLIT_COLUMN);
    needed.add(ConfigLoader.ROW_ID_COLUMN);
    List<String> missing = needed.stream().filter(c -> !present.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw new InputException("The clean table " + path + " lacks column(s) " + missing
          + ": re-run ingest with this config (--force)");
    }
    Column isTrain = col(ConfigLoader.SPLIT_COLUMN).equalTo("train");
    DataType labelType = clean.schema().apply(config.label()).dataType();
    Column label = col(config.label()).cast(DataTypes.DoubleType);
    Optional<ClassDictionary> dictionary = Optional.empty();
    if (config.task() == Task.CLASSIFICATION
        && (labelType.equals(DataTypes.StringType) || labelType.equals(DataTypes.BooleanType))) {
      dictionary = Optional.of(dictionary(spark, path).orElseThrow(() -> new InputException("Label " + config.label()
          + " is " + labelType.simpleString() + " but ingest recorded no class dictionary beside " + path
          + ": re-run ingest with this config (--force)")));
      label = dictionary.get().index(col(config.label()));
    }
    Dataset<Row> labelled = clean.withColumn(Labels.LABEL, label);
    Labels.Counts counts = Labels.check(labelled, config.label(), config.task(), path,
        dictionary.map(ClassDictionary::names).orElse(List.of()));
    if (dictionary.isPresent() && dictionary.get().names().size() > counts.classes()) {
      // Every class the dictionary names has its index in the models' outputs, seen or not.
      counts = new Labels.Counts(counts.rows(), counts.trainLabelled(), counts.testLabelled(),
          dictionary.get().names().size());
    }
    return new CleanTable(counts, labelled.where(isTrain.and(col(Labels.LABEL).isNotNull())),
        labelled.where(isTrain.unary_$bang()));
  }

  /** The class names of a text or boolean label, as ingest recorded them beside {@code cleanPath}. */
  public static Optional<ClassDictionary> dictionary(SparkSession spark, String cleanPath) {
    try {
      return ClassDictionary.beside(new org.apache.hadoop.fs.Path(cleanPath).getFileSystem(
          spark.sparkContext().hadoopConfiguration()), cleanPath);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Fewer rows than this teach a model nothing a score could show, and a validation slice of
   * fewer scores by chance: the least either branch fits on, or holds out to validate on.
   */
  public static final long MIN_ROWS = 10;

  /**
   * The labelled train rows a stage fits on, after its {@code max_train_rows}, in words for the
   * lines that refuse too few ({@code counted}), with what would give more ({@code more}).
   */
  public record TrainRows(long rows, String counted, String more) {
    /** @param raiseCap what raising the cap is called in the config ("raise train_ml.max_train_rows") */
    public static TrainRows of(long labelled, java.util.Optional<Long> maxTrainRows, String raiseCap) {
      long rows = maxTrainRows.map(m -> Math.min(m, labelled)).orElse(labelled);
      return rows < labelled
          ? new TrainRows(rows, String.format(java.util.Locale.ROOT, "max_train_rows %,d of the %,d labelled train rows",
              rows, labelled), raiseCap)
          : new TrainRows(rows, String.format(java.util.Locale.ROOT, "%,d labelled train rows", rows),
              "gather more rows, or lower split.test_fraction");
    }
  }

  /**
   * Refuses, before anything is fitted, to use {@code rows} where {@code needed} are the least
   * that means something: exit 2 with one line naming the counts, what needs them and what
   * would do.
   *
   * @param rows     what the rows are, counted ("12 labelled train rows")
   * @param neededBy what needs them, and how many it would get ("a validation slice of about 2")
   */
  public static void requireRows(long have, long needed, String rows, String neededBy, String remedy) {
    if (have < needed) {
      throw new InputException(String.format(java.util.Locale.ROOT, "Too little data to train on: %s; %s needs at"
          + " least %,d: %s", rows, neededBy, needed, remedy));
    }
  }

  public long rows() {
    return counts.rows();
  }

  public int classes() {
    return counts.classes();
  }

  /**
   * The rows in a seeded slice of {@code fraction} of the row ids (or, with {@code inside}
   * false, the rest). Unlike {@code Dataset.sample} and {@code randomSplit} the slice does not
   * depend on how the table is partitioned, so local mode, a cluster and a rerun on other
   * executors pick the same rows.
   */
  public static Dataset<Row> slice(Dataset<Row> rows, double fraction, long seed, boolean inside) {
    Column in = pmod(xxhash64(col(ConfigLoader.ROW_ID_COLUMN), lit(seed)), lit(SLICE_BUCKETS))
        .lt(Math.round(fraction * SLICE_BUCKETS));
    return rows.where(inside ? in : not(in));
  }

  private static final long SLICE_BUCKETS = 1_000_000L;
}
