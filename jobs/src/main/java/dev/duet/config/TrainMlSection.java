package dev.duet.config;

import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.PipelineConfig.DerivedColumn;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.config.TrainMlConfig.AlgorithmSpec;
import dev.duet.config.TrainMlConfig.FeatureSpec;
import dev.duet.config.TrainMlConfig.KnnSettings;
import dev.duet.config.TrainMlConfig.Range;
import dev.duet.config.TrainMlConfig.Tuning;
import dev.duet.config.TrainMlConfig.TuningMethod;
import dev.duet.config.TrainMlConfig.Vocabulary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads and checks the {@code train_ml} section of a pipeline config. */
final class TrainMlSection {
  static final Set<String> CLASSIFICATION_METRICS = Set.of("areaUnderROC", "areaUnderPR", "accuracy", "f1",
      "weightedPrecision", "weightedRecall");
  static final Set<String> REGRESSION_METRICS = Set.of("rmse", "mae", "r2", "mse");
  static final long DEFAULT_KNN_REFERENCE_ROWS = 20_000;
  static final long DEFAULT_KNN_VALIDATION_ROWS = 2_000;
  static final int DEFAULT_KNN_BLOCK_ROWS = 1_024;
  /** Candidates drawn from a grid with ranges, as many as a small grid has: a budget orders them cheap first. */
  static final long DEFAULT_SAMPLES = 8;

  /** The boosters' key (beside their grid) for how indexed categoricals are split. */
  static final String CATEGORICAL = "categorical";

  /** native: sets of categories (the engines' own categorical splits); ordinal: the index as a number. */
  enum CategoricalSplits { NATIVE, ORDINAL }

  private TrainMlSection() {}

  static Optional<TrainMlConfig> read(YamlObject root, Task task) {
    if (!root.has("train_ml")) {
      root.object("train_ml"); // marks the key as known
      return Optional.empty();
    }
    YamlObject ml = root.object("train_ml");
    YamlObject f = ml.object("features");
    Map<String, List<DatePart>> datetime = new LinkedHashMap<>();
    YamlObject dt = f.object("datetime");
    for (String column : dt.keys()) {
      List<DatePart> parts = new ArrayList<>();
      for (String p : dt.strings(column)) {
        try {
          parts.add(DatePart.valueOf(p.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          dt.problem("Cannot take part '" + p + "' of " + column + " in train_ml.features.datetime: must be one of "
              + YamlObject.enumNames(DatePart.class));
        }
      }
      if (parts.isEmpty()) {
        dt.problem("train_ml.features.datetime." + column + " names no parts (e.g. [hour, weekday, month])");
      }
      datetime.put(column, List.copyOf(parts));
    }
    YamlObject v = f.object("vocabulary");
    List<Integer> charNgrams = charNgrams(v);
    boolean words = v.optBoolean("words").orElse(Vocabulary.DEFAULT.words());
    if (!words && charNgrams.isEmpty()) {
      v.problem("train_ml.features.vocabulary has no terms: words is false and char_ngrams is not set");
    }
    Vocabulary vocabulary = new Vocabulary(
        (int) positive(v, "train_ml.features.vocabulary", "size", Vocabulary.DEFAULT.size()),
        (int) positive(v, "train_ml.features.vocabulary", "min_doc_freq", Vocabulary.DEFAULT.minDocFreq()),
        words, charNgrams, v.optBoolean("char_ngrams_within_words").orElse(Vocabulary.DEFAULT.withinWords()));
    v.finish();
    FeatureSpec features = new FeatureSpec(ConfigLoader.expandNames(f.strings("categorical")),
        ConfigLoader.expandNames(f.strings("numeric")), datetime, f.strings("text"), vocabulary);
    f.finish();
    if (features.columns().isEmpty()) {
      ml.problem("train_ml.features names no columns: list categorical, numeric, datetime and/or text columns");
    }

    Optional<Long> maxRows = ml.optInteger("max_train_rows");
    maxRows.filter(n -> n < 1).ifPresent(n -> ml.problem("Cannot set train_ml.max_train_rows to " + n + ": must be positive"));

    YamlObject t = ml.object("tuning");
    TuningMethod method = t.enumValue("method", TuningMethod.class, TuningMethod.TRAIN_VALIDATION_SPLIT);
    double ratio = t.optNumber("train_ratio").orElse(0.8);
    if (!(ratio > 0 && ratio < 1)) {
      t.problem("Cannot set train_ml.tuning.train_ratio to " + ratio + ": must be between 0 and 1 (exclusive)");
    }
    long folds = t.optInteger("folds").orElse(3L);
    if (folds < 2) {
      t.problem("Cannot set train_ml.tuning.folds to " + folds + ": must be at least 2");
    }
    long parallelism = t.optInteger("parallelism").orElse(1L);
    if (parallelism < 1) {
      t.problem("Cannot set train_ml.tuning.parallelism to " + parallelism + ": must be at least 1");
    }
    Optional<String> metric = t.optString("metric");
    Set<String> metrics = task == Task.REGRESSION ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
    metric.filter(m -> !metrics.contains(m)).ifPresent(m -> t.problem("Cannot rank " + (task == null ? "" : task.name()
        .toLowerCase(Locale.ROOT) + " ") + "candidates by '" + m + "': use one of " + new java.util.TreeSet<>(metrics)));
    long samples = t.optInteger("samples").orElse(DEFAULT_SAMPLES);
    if (samples < 1) {
      t.problem("Cannot set train_ml.tuning.samples to " + samples + ": must be at least 1");
    }
    Tuning tuning = new Tuning(method, ratio, (int) folds, (int) parallelism, metric,
        t.optInteger("seed").orElse(ConfigLoader.DEFAULT_SEED), (int) samples);
    t.finish();

    List<AlgorithmSpec> algorithms = new ArrayList<>();
    KnnSettings knn = new KnnSettings(DEFAULT_KNN_REFERENCE_ROWS, DEFAULT_KNN_VALIDATION_ROWS, DEFAULT_KNN_BLOCK_ROWS);
    YamlObject algos = ml.object("algorithms");
    GridCheck gridCheck = GridCheck.provided();
    for (String name : algos.keys()) {
      String where = "train_ml.algorithms." + name;
      Algorithm algorithm;
      try {
        algorithm = Algorithm.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        algos.problem("Unknown algorithm " + where + ": must be one of " + YamlObject.enumNames(Algorithm.class));
        algos.object(name);
        continue;
      }
      YamlObject a = algos.object(name);
      Map<String, List<String>> grid = new LinkedHashMap<>();
      Map<String, Range> ranges = new LinkedHashMap<>();
      boolean nativeCategorical = true;
      if (algorithm == Algorithm.KNN) {
        knn = new KnnSettings(
            positive(a, where, "reference_rows", DEFAULT_KNN_REFERENCE_ROWS),
            positive(a, where, "validation_rows", DEFAULT_KNN_VALIDATION_ROWS),
            (int) positive(a, where, "block_rows", DEFAULT_KNN_BLOCK_ROWS));
        if (a.holdsMapping(TrainMlConfig.KNN_K)) {
          range(a, where, TrainMlConfig.KNN_K).ifPresent(r -> ranges.put(TrainMlConfig.KNN_K, r));
        } else {
          grid.put(TrainMlConfig.KNN_K, a.has(TrainMlConfig.KNN_K) ? a.strings(TrainMlConfig.KNN_K) : List.of("5"));
        }
      } else {
        if (algorithm.isBooster()) {
          nativeCategorical = a.enumValue(CATEGORICAL, CategoricalSplits.class, CategoricalSplits.NATIVE)
              == CategoricalSplits.NATIVE;
        }
        for (String p : a.keys()) {
          if (algorithm.isBooster() && p.equals(CATEGORICAL)) {
            continue;
          }
          if (a.holdsMapping(p)) {
            range(a, where, p).ifPresent(r -> ranges.put(p, r));
          } else {
            grid.put(p, a.strings(p));
          }
        }
      }
      if (!features.text().isEmpty() && !algorithm.readsText()) {
        a.problem("Cannot train " + name + " on the text features " + features.text() + ": it reads dense rows, and"
            + " a vocabulary is too wide for them (use linear, linear_svm, naive_bayes or the MLlib trees)");
      }
      if (algorithm == Algorithm.NAIVE_BAYES && !(features.numeric().isEmpty() && features.datetime().isEmpty())) {
        a.problem("Cannot train naive_bayes on numeric or datetime features: it reads counts (one-hot categoricals"
            + " and text terms), and standardised numbers are negative");
      }
      if (task != null && !algorithm.supports(task)) {
        a.problem("Cannot train " + name + " for " + task.name().toLowerCase(Locale.ROOT) + ": it is a classifier");
      } else if (task != null) {
        gridCheck.problems(algorithm, task, grid, ranges, where).forEach(a::problem);
      }
      a.finish();
      algorithms.add(new AlgorithmSpec(algorithm, grid, ranges, nativeCategorical));
    }
    if (algorithms.isEmpty()) {
      ml.problem("train_ml.algorithms names no algorithms: add one or more of " + YamlObject.enumNames(Algorithm.class));
    }
    ml.finish();
    return Optional.of(new TrainMlConfig(features, maxRows, tuning, algorithms, knn));
  }

  /** The n-gram lengths of {@code char_ngrams: [min, max]} (1 to 10), every length between them. */
  private static List<Integer> charNgrams(YamlObject v) {
    if (!v.has("char_ngrams")) {
      return List.of();
    }
    List<String> range = v.strings("char_ngrams");
    try {
      int min = Integer.parseInt(range.get(0).trim());
      int max = Integer.parseInt(range.get(range.size() - 1).trim());
      if (range.size() != 2 || min < 1 || max < min || max > 10) {
        throw new NumberFormatException();
      }
      return java.util.stream.IntStream.rangeClosed(min, max).boxed().toList();
    } catch (RuntimeException e) {
      v.problem("Cannot set train_ml.features.vocabulary.char_ngrams to " + range + ": must be [min, max] lengths,"
          + " 1 <= min <= max <= 10 (e.g. [2, 4])");
      return List.of();
    }
  }

  /** {@code key: {min, max, log}}: min below max, and above 0 when log-uniform. */
  private static Optional<Range> range(YamlObject a, String where, String key) {
    YamlObject r = a.object(key);
    Optional<Double> min = r.optNumber("min");
    Optional<Double> max = r.optNumber("max");
    boolean log = r.optBoolean("log").orElse(false);
    r.finish();
    String at = where + "." + key;
    if (min.isEmpty() || max.isEmpty()) {
      a.problem("Cannot sample " + at + ": a range needs min and max (e.g. {min: 0.01, max: 0.3, log: true})");
      return Optional.empty();
    }
    if (!(min.get() < max.get())) {
      a.problem("Cannot sample " + at + " from " + min.get() + " to " + max.get() + ": min must be below max (one"
          + " value: give it as a list)");
      return Optional.empty();
    }
    if (log && min.get() <= 0) {
      a.problem("Cannot sample " + at + " log-uniformly from " + min.get() + ": log needs min above 0");
      return Optional.empty();
    }
    return Optional.of(new Range(min.get(), max.get(), log));
  }

  private static long positive(YamlObject a, String where, String key, long fallback) {
    long v = a.optInteger(key).orElse(fallback);
    if (v < 1) {
      a.problem("Cannot set " + where + "." + key + " to " + v + ": must be positive");
    }
    return v;
  }

  /** Feature columns must exist, have a fitting type, and not give the label away. */
  static void crossCheck(PipelineConfig c, TrainMlConfig ml, List<String> problems) {
    // By name once: a wide table (784 pixels) would otherwise scan every column and list per feature.
    Map<String, ColumnSpec> declared = new HashMap<>();
    c.columns().forEach(col -> declared.putIfAbsent(col.name(), col));
    Set<String> numericFeatures = new HashSet<>(ml.features().numeric());
    Set<String> seen = new HashSet<>();
    for (String name : ml.features().columns()) {
      if (!seen.add(name)) {
        problems.add("Column " + name + " is listed twice in train_ml.features");
        continue;
      }
      if (name.equals(c.label())) {
        problems.add("Cannot use the label " + name + " as a feature in train_ml.features");
        continue;
      }
      ColumnSpec col = declared.get(name);
      DerivedColumn derived = c.derived().stream().filter(d -> name.equals(d.name())).findFirst().orElse(null);
      if (col == null && derived == null) {
        problems.add("Cannot use " + name + " in train_ml.features: not a declared or derived column");
        continue;
      }
      boolean temporal = col != null && col.type() != null && col.type().isTemporal();
      boolean numeric = col != null ? col.type() != null && col.type().isNumeric() : derived.expr().isEmpty();
      if (ml.features().datetime().containsKey(name) && col != null && col.type() != null && !temporal) {
        problems.add("Cannot take date parts of " + name + " in train_ml.features.datetime: it is a "
            + col.type().sqlName() + " column");
      }
      if (ml.features().text().contains(name) && (col == null ? derived.expr().isEmpty()
          : col.type() != null && col.type() != PipelineConfig.ColumnType.STRING)) {
        problems.add("Cannot use " + name + " in train_ml.features.text: it is a "
            + (col == null ? "numeric derived" : col.type().sqlName()) + " column, not text");
      }
      if (numericFeatures.contains(name) && col != null && col.type() != null && !numeric) {
        problems.add("Cannot use " + name + " in train_ml.features.numeric: it is a " + col.type().sqlName()
            + " column (list it under categorical or datetime)");
      }
      // A label derived from a column (delayed = delay > 15) must not see that column.
      c.derived().stream().filter(d -> d.name() != null && d.name().equals(c.label()))
          .filter(d -> d.from().map(name::equals).orElse(false))
          .forEach(d -> problems.add("Cannot use " + name + " as a feature: the label " + c.label()
              + " is derived from it, so the model would read the answer"));
    }
  }
}
