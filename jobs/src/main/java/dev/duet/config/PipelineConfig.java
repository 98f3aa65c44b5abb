package dev.duet.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One pipeline, as read from {@code conf/<pipeline>.yaml} and validated by {@link ConfigLoader}.
 * Immutable; every stage reads the part it needs.
 *
 * @param pipeline id used in store paths (letters, digits, '-', '_', '.')
 * @param task     what the label is for: classification or regression
 * @param label    the target column of the clean output (an input column or a derived one)
 * @param store    default store URI; {@code --store} overrides it
 * @param input    where the raw data is and how to read it
 * @param columns  the expected schema, in order, with each column's cleaning rules
 * @param dedupKey columns whose values identify a row; duplicates are removed (empty: none)
 * @param derived  columns computed from clean columns (date parts, thresholds, SQL expressions)
 * @param split    the seeded train/test split
 * @param trainMl  the classic-ML branch (absent: the pipeline has none)
 * @param trainDl  the deep-learning branch (absent: the pipeline has none)
 * @param evaluate how models are ranked, recommended and blessed (defaults when absent)
 * @param score    how {@code duet score} names its rows and flags drift (defaults when absent)
 * @param budget   the wall-clock each training stage may spend ({@link Budget#NONE}: what its section asks for)
 */
public record PipelineConfig(
    String pipeline,
    Task task,
    String label,
    Optional<String> store,
    InputConfig input,
    List<ColumnSpec> columns,
    List<String> dedupKey,
    List<DerivedColumn> derived,
    SplitConfig split,
    Optional<TrainMlConfig> trainMl,
    Optional<TrainDlConfig> trainDl,
    EvaluateConfig evaluate,
    ScoreConfig score,
    Budget budget) {

  public enum Task { CLASSIFICATION, REGRESSION }

  public enum Format { CSV, JSON, PARQUET }

  /** Spark SQL type names accepted in {@code columns[].type}. */
  public enum ColumnType {
    STRING, INT, LONG, DOUBLE, FLOAT, BOOLEAN, DATE, TIMESTAMP;

    public boolean isNumeric() {
      return this == INT || this == LONG || this == DOUBLE || this == FLOAT;
    }

    public boolean isTemporal() {
      return this == DATE || this == TIMESTAMP;
    }

    public String sqlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What to do with a null (missing, empty or unparseable-as-null) value. */
  public enum NullPolicy { KEEP, QUARANTINE, DROP, IMPUTE }

  public enum CaseRule { KEEP, UPPER, LOWER }

  /** What to do with NaN or an infinity in a double or float column. */
  public enum NonFinitePolicy { QUARANTINE, KEEP }

  /**
   * What to do with a string holding U+FFFD, the mark a decoder leaves for bytes that were not
   * text in the input encoding: quarantine the row, or keep it (counted as {@code undecodable}).
   */
  public enum UndecodablePolicy { QUARANTINE, KEEP }

  public enum DatePart { YEAR, MONTH, DAY, HOUR, WEEKDAY, DAY_OF_YEAR }

  /**
   * @param path    file or directory (relative paths resolve against the working directory)
   * @param format  csv, json (one object per line) or parquet
   * @param options Spark reader options (e.g. {@code header}, {@code sep}, {@code encoding})
   * @param maxQuarantinedShare the share of the rows read above which ingest publishes nothing
   *                (exit 2): a table that is mostly quarantine is the wrong file or the wrong rules
   */
  public record InputConfig(String path, Format format, Map<String, String> options, double maxQuarantinedShare) {}

  /**
   * @param name    column name in the input and in the clean output
   * @param type    the type the raw value is cast to; a value that does not cast is quarantined
   * @param format  date/timestamp pattern for text input (Spark datetime pattern)
   * @param nulls   null policy
   * @param impute  the replacement when {@code nulls: impute}: "median" (numeric) or a constant
   * @param trim    strip leading and trailing whitespace before casting
   * @param caseRule      upper/lower-case strings
   * @param collapseSpaces squeeze inner runs of whitespace to one space
   * @param min     inclusive lower bound (numeric, date or timestamp as text)
   * @param max     inclusive upper bound
   * @param allowed the only values allowed (after trim/case), empty: any
   * @param pattern a regular expression the whole value must match (strings)
   */
  public record ColumnSpec(
      String name,
      ColumnType type,
      Optional<String> format,
      NullPolicy nulls,
      Optional<String> impute,
      boolean trim,
      CaseRule caseRule,
      boolean collapseSpaces,
      Optional<String> min,
      Optional<String> max,
      List<String> allowed,
      Optional<String> pattern,
      NonFinitePolicy nonFinite,
      UndecodablePolicy undecodable) {

    public boolean imputesMedian() {
      return nulls == NullPolicy.IMPUTE && impute.map("median"::equalsIgnoreCase).orElse(false);
    }

    /** Whether every clean row has a value here, and a finite one: ingest sets the others aside or fills them. */
    public boolean alwaysPresent() {
      return nulls != NullPolicy.KEEP && nonFinite != NonFinitePolicy.KEEP;
    }
  }

  /**
   * A derived column: exactly one of {@code part} (of a date/timestamp column), {@code above}
   * (1 when the numeric column is strictly greater, else 0) or {@code expr} (Spark SQL).
   */
  public record DerivedColumn(
      String name,
      Optional<String> from,
      Optional<DatePart> part,
      Optional<Double> above,
      Optional<String> expr) {}

  /**
   * @param key          columns hashed to place a row (empty: all declared columns)
   * @param testFraction share of rows in the test split
   * @param seed         hash seed; the same seed and key always give the same split
   */
  public record SplitConfig(List<String> key, double testFraction, long seed) {}

  /** This pipeline with another classic-ML branch (e.g. one algorithm on fewer rows). */
  public PipelineConfig withTrainMl(TrainMlConfig ml) {
    return new PipelineConfig(pipeline, task, label, store, input, columns, dedupKey, derived, split, Optional.of(ml),
        trainDl, evaluate, score, budget);
  }

  /** This pipeline with another deep-learning branch. */
  public PipelineConfig withTrainDl(TrainDlConfig dl) {
    return new PipelineConfig(pipeline, task, label, store, input, columns, dedupKey, derived, split, trainMl,
        Optional.of(dl), evaluate, score, budget);
  }

  /** This pipeline under another training budget ({@code --budget}; none for a learning curve's refits). */
  public PipelineConfig withBudget(Budget other) {
    return new PipelineConfig(pipeline, task, label, store, input, columns, dedupKey, derived, split, trainMl, trainDl,
        evaluate, score, other);
  }

  /** This pipeline without a learning curve: the refits that measure one are fitted under it. */
  public PipelineConfig withoutLearningCurve() {
    return new PipelineConfig(pipeline, task, label, store, input, columns, dedupKey, derived, split, trainMl, trainDl,
        evaluate.withLearningCurve(List.of()), score, budget);
  }

  /**
   * This pipeline's rules for rows to be scored, not ingested for training: no dedup (every row
   * gets a prediction or a reason), the given input, columns and derived columns (those the input
   * has), and the scoring settings of the config scoring runs under.
   */
  public PipelineConfig forScoring(InputConfig scoredInput, List<ColumnSpec> scoredColumns,
      List<DerivedColumn> scoredDerived, ScoreConfig scoring) {
    return new PipelineConfig(pipeline, task, label, store, scoredInput, List.copyOf(scoredColumns), List.of(),
        List.copyOf(scoredDerived), split, trainMl, trainDl, evaluate, scoring, budget);
  }

  /** What the models of this pipeline read, as the verdict across pipelines groups them. */
  public enum DataKind { TABULAR, IMAGES, TEXT }

  /** Text when either branch reads words, images when a network reads pixels as an image, else tabular. */
  public DataKind dataKind() {
    boolean text = trainMl.map(ml -> !ml.features().text().isEmpty()).orElse(false)
        || trainDl.map(dl -> dl.networks().stream().anyMatch(n -> n.network().readsSequences())).orElse(false);
    if (text) {
      return DataKind.TEXT;
    }
    return trainDl.map(dl -> dl.networks().stream().anyMatch(n -> n.image().isPresent())).orElse(false)
        ? DataKind.IMAGES : DataKind.TABULAR;
  }

  public ColumnSpec column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }
}
