package dev.duet.trainml;

import dev.duet.config.Algorithm;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.Budget;
import dev.duet.config.ConfigLoader;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.config.TrainMlConfig;
import dev.duet.config.TrainMlConfig.AlgorithmSpec;
import dev.duet.config.TrainMlConfig.TuningMethod;
import dev.duet.contracts.InputException;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCards;
import dev.duet.contracts.ModelCards.AnytimePoint;
import dev.duet.contracts.ModelCards.NotTrained;
import dev.duet.contracts.Predictions;
import dev.duet.contracts.StageLayout;
import dev.duet.spark.ExecutorSlots;
import dev.duet.spark.TaskCost;
import dev.duet.spark.TaskCost.Measured;
import dev.duet.training.ClassDictionary;
import dev.duet.training.CleanTable;
import dev.duet.training.BudgetClock;
import dev.duet.training.LearningCurve;
import dev.duet.training.Metrics;
import dev.duet.training.PermutationImportance;
import dev.duet.trainml.FeaturePipeline.Encoding;
import dev.duet.trainml.FeaturePipeline.Slot;
import dev.duet.trainml.GridParams.Candidate;
import dev.duet.trainml.TrainMlResult.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clean Parquet → tuned classic models: fits the feature pipeline on the train split only,
 * tunes each configured algorithm's grid on the train split (train/validation split or k-fold),
 * refits the best candidate on the whole train split, predicts the test split, and writes models,
 * predictions, tuning scores, importances and per-algorithm cost into the work dir.
 */
public final class TrainMlJob {
  public static final String MODELS = "models";
  public static final String PREDICTIONS = "predictions";
  public static final String FEATURE_PIPELINES = "feature-pipelines";
  public static final String TUNING = "tuning.json";
  /** Per algorithm: best params, validation score, paths, size and cost (for people: evaluate reads the model cards). */
  public static final String SUMMARY = "train-ml.json";
  /** The models' own feature importances (trees, coefficients), by model. */
  public static final String IMPORTANCES = "importances.json";
  private static final Logger LOG = LoggerFactory.getLogger(TrainMlJob.class);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final TrainMlConfig ml;
  private final String cleanPath;
  /** The class names of a text or boolean label: predictions carry them beside the index. */
  private final Optional<ClassDictionary> dictionary;
  private final Path workDir;
  private final FileSystem fs;
  private final BudgetClock clock;

  /**
   * @param cleanPath ingest's clean table (with the split and row id columns)
   * @param workDir   where outputs are written (the stage's temp dir)
   * @param clock     the stage's budget, started when the stage did
   */
  public TrainMlJob(SparkSession spark, PipelineConfig config, String cleanPath, Path workDir, BudgetClock clock) {
    this.spark = spark;
    this.config = config;
    this.ml = config.trainMl().orElseThrow(() -> new IllegalArgumentException(
        "The config has no train_ml section"));
    this.cleanPath = cleanPath;
    this.dictionary = CleanTable.dictionary(spark, cleanPath);
    this.workDir = workDir;
    this.clock = clock;
    try {
      this.fs = workDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fitted feature pipeline and the train/test split as (row id, label, features). */
  private record Featurized(Encoding encoding, PipelineModel pipeline, List<Slot> slots, int widestCategorical,
      Dataset<Row> train, long trainRows, Dataset<Row> test, long testRows) {}

  /**
   * What tuning left: the best model, every candidate's validation score (null: not tuned), the
   * rows the model was fitted on, and each candidate's rows under a budget (null: the tuning's own split).
   */
  private record Tuned(Object model, List<Candidate> candidates, double[] scores, int best, long rows,
      long[] candidateRows) {}

  /** Of a budget, what the algorithms' first fits may take before the rest is left out: the remainder grows the best. */
  private static final double FIRST_SHARE = 1.0 / 3;
  /** Test rows whose predicting times a model's predicts (with the validation rows'), for the time kept to finish. */
  private static final long PROBE_ROWS = 50_000;
  /** Validation rows a budgeted search scores each fit on (a seeded sample of the validation slice). */
  private static final long VALIDATION_ROWS = Metrics.DRIVER_ROWS;

  public TrainMlResult run() {
    TaskCost cost = TaskCost.attach(spark.sparkContext());
    Map<Encoding, Featurized> features = new EnumMap<>(Encoding.class);
    try {
      return train(cost, features);
    } finally {
      cost.detach();
      features.values().forEach(f -> {
        f.train().unpersist();
        f.test().unpersist();
      });
    }
  }

  private TrainMlResult train(TaskCost cost, Map<Encoding, Featurized> features) {
    CleanTable table = CleanTable.read(spark, cleanPath, config, ml.features().columns());
    requireEnoughRows(table.counts().trainLabelled());
    Dataset<Row> train = table.train();
    Dataset<Row> test = table.test();
    int numClasses = table.classes();
    // Read once the first jobs ran: on a cluster, executors register after the context starts.
    ExecutorSlots slots = ExecutorSlots.of(spark.sparkContext());
    for (AlgorithmSpec spec : ml.algorithms()) {
      if (spec.algorithm().isBooster()) {
        Boosters.checkSlots(spec, GridParams.candidates(spec, config.task(), ml.tuning()), slots);
      }
    }
    long trainRows = table.counts().trainLabelled(); // the train split is its labelled rows
    if (ml.maxTrainRows().isPresent() && trainRows > ml.maxTrainRows().get()) {
      train = CleanTable.slice(train, (double) ml.maxTrainRows().get() / trainRows, ml.tuning().seed(), true);
      LOG.info("train-ml: max_train_rows {}: training on a seeded sample of the {} train rows", ml.maxTrainRows().get(),
          trainRows);
    }
    String metric = ml.tuning().metric().orElse(config.task() == Task.REGRESSION ? "rmse"
        : numClasses == 2 ? "areaUnderROC" : "accuracy");
    // Built up front too: it refuses a metric the label cannot have before any fitting.
    boolean largerIsBetter = evaluator(metric, numClasses, Algorithm.LINEAR).isLargerBetter();

    Metric primary = config.evaluate().primaryFor(numClasses);
    List<String> inputs = ml.features().columns();
    List<Column> sampled = new ArrayList<>(List.of(col(ConfigLoader.ROW_ID_COLUMN), col(FeaturePipeline.LABEL)));
    inputs.forEach(c -> sampled.add(col(c)));
    PermutationImportance permutation = PermutationImportance.prepare(test.select(sampled.toArray(Column[]::new)),
        table.counts().testLabelled(), inputs, primary, numClasses, ml.tuning().seed());
    List<Outcome> outcomes = new ArrayList<>();
    List<AnytimePoint> scored = new ArrayList<>();
    List<NotTrained> notTrained = new ArrayList<>();
    List<AlgorithmSpec> algorithms = ml.algorithms();
    if (clock.limited()) {
      trainWithin(train, test, features, numClasses, primary, cost, slots, permutation, outcomes, scored, notTrained);
    } else {
      for (int i = 0; i < algorithms.size(); i++) {
        AlgorithmSpec spec = algorithms.get(i);
        Featurized f = features(features, spec, cost, train, test);
        String step = String.format("[%d/%d] %s", i + 1, algorithms.size(), spec.algorithm().configName());
        outcomes.add(trainOne(step, spec, f, numClasses, metric, primary, cost, slots, permutation, scored));
      }
    }
    Featurized any = features.values().iterator().next();
    List<ModelCard> cards = LearningCurve.measure(spark, fs, workDir, outcomes.stream().map(Outcome::card).toList(),
        numClasses, primary, config.evaluate().learningCurve(), new Path(workDir, "_learning-curve"), this::refit,
        clock);
    String ranking = clock.limited() ? primary.key() : metric;
    ModelCards.Spend spend = new ModelCards.Spend(clock.budget().seconds(), clock.elapsed(), slots.taskSlots(), 0);
    clock.save();
    return new TrainMlResult(config.label(), config.task().name().toLowerCase(), numClasses, table.rows(),
        any.trainRows(), any.testRows(), clock.limited() ? "cheap_first" : ml.tuning().method().name().toLowerCase(),
        ranking, clock.limited() ? primary.higherIsBetter() : largerIsBetter, outcomes, primary, permutation.rows(),
        new ModelCards(StageLayout.TRAIN_ML, numClasses, primary.key(), cards, spend,
            BudgetClock.bestSoFar(scored, primary.higherIsBetter()), notTrained));
  }

  /** The evaluate metric an MLlib tuning metric is, if it is one (MLlib's f1 is weighted, evaluate's macro). */
  private static Optional<Metric> asPrimary(String tuningMetric) {
    return Optional.ofNullable(switch (tuningMetric) {
      case "areaUnderROC" -> Metric.ROC_AUC;
      case "areaUnderPR" -> Metric.PR_AUC;
      case "accuracy" -> Metric.ACCURACY;
      case "rmse" -> Metric.RMSE;
      case "mae" -> Metric.MAE;
      case "r2" -> Metric.R2;
      default -> null;
    });
  }

  /**
   * Refuses a train split too small for what this config does with it, before anything is fitted:
   * fewer than {@link CleanTable#MIN_ROWS} to fit on, a validation slice (train_validation_split,
   * a fold of cross_validation, a booster's early stopping) expected to hold fewer, or k-NN
   * asked for more neighbours than there are rows.
   */
  private void requireEnoughRows(long labelled) {
    CleanTable.TrainRows train = CleanTable.TrainRows.of(labelled, ml.maxTrainRows(), "raise train_ml.max_train_rows");
    long rows = train.rows();
    String counted = train.counted();
    String more = train.more();
    CleanTable.requireRows(rows, CleanTable.MIN_ROWS, counted, "a model", more);
    double ratio = ml.tuning().trainRatio();
    long heldOut = Math.round(rows * (1 - ratio));
    for (AlgorithmSpec spec : ml.algorithms()) {
      Algorithm a = spec.algorithm();
      List<Candidate> candidates = GridParams.candidates(spec, config.task(), ml.tuning());
      String name = a.configName();
      if (a.isBooster() && Boosters.stopsEarly(a, candidates)) {
        CleanTable.requireRows(heldOut, CleanTable.MIN_ROWS, counted, name + "'s early stopping holds out 1 - train_ratio "
            + ratio + " of them (about " + heldOut + ") and", more + ", or lower train_ml.tuning.train_ratio");
      } else if (candidates.size() > 1 && (a == Algorithm.KNN || ml.tuning().method() == TuningMethod.TRAIN_VALIDATION_SPLIT)) {
        CleanTable.requireRows(heldOut, CleanTable.MIN_ROWS, counted, name + "'s tuning validates on 1 - train_ratio "
            + ratio + " of them (about " + heldOut + ") and", more + ", lower train_ml.tuning.train_ratio, or give "
            + name + " one candidate");
      } else if (candidates.size() > 1) {
        long fold = rows / ml.tuning().folds();
        CleanTable.requireRows(fold, CleanTable.MIN_ROWS, counted, name + "'s cross_validation validates on each of "
            + ml.tuning().folds() + " folds (about " + fold + " rows) and", more + ", use fewer folds, or give " + name
            + " one candidate");
      }
      if (a == Algorithm.KNN) {
        int kMax = candidates.stream().mapToInt(Candidate::k).max().orElseThrow();
        CleanTable.requireRows(rows, kMax, counted, "knn with k = " + kMax, "use a smaller k, or " + more);
      }
    }
  }

  /** One algorithm, its tuned params fixed, on at most {@code rows} of the train split. */
  private Path refit(ModelCard card, long rows, Path dir) {
    Map<String, List<String>> fixed = new java.util.LinkedHashMap<>();
    card.bestParams().forEach((k, v) -> fixed.put(k, List.of(v)));
    AlgorithmSpec spec = ml.algorithm(Algorithm.ofConfigName(card.name())).orElseThrow().withGrid(fixed);
    // Counted in this stage's budget by the learning curve, which starts it only if it fits.
    new TrainMlJob(spark, config.withTrainMl(ml.only(spec, rows)).withoutLearningCurve().withBudget(Budget.NONE),
        cleanPath, dir, BudgetClock.unlimited()).run();
    return new Path(dir, PREDICTIONS + "/" + card.name());
  }

  /** The encoding's featurized splits, fitted the first time an algorithm needs them. */
  private Featurized features(Map<Encoding, Featurized> features, AlgorithmSpec spec, TaskCost cost,
      Dataset<Row> train, Dataset<Row> test) {
    Encoding encoding = Encoding.of(spec.algorithm());
    if (!features.containsKey(encoding)) {
      features.put(encoding, featurize(cost, encoding, train, test));
    }
    return features.get(encoding);
  }

  /**
   * Tunes and fits one algorithm as its section asks, then {@link #finish}es it.
   *
   * @param scored where its validation score goes, with the clock reading when it was known
   */
  private Outcome trainOne(String step, AlgorithmSpec spec, Featurized f, int numClasses, String metric, Metric primary,
      TaskCost cost, ExecutorSlots slots, PermutationImportance permutation, List<AnytimePoint> scored) {
    Algorithm a = spec.algorithm();
    Evaluator evaluator = evaluator(metric, numClasses, a);
    List<Candidate> candidates = GridParams.candidates(spec, config.task(), ml.tuning());
    LOG.info("train-ml: {}: {} candidate(s), {} on {} features", step, candidates.size(),
        candidates.size() > 1 ? ml.tuning().method().name().toLowerCase() + " by " + metric : "no tuning needed",
        f.slots().size());
    Measured<Tuned> fit = cost.measure("train-ml:" + a.configName(), "train-ml: tune and fit " + a.configName(),
        () -> a == Algorithm.KNN ? tuneKnn(f, candidates, numClasses, evaluator)
            : tune(spec, f, candidates, numClasses, evaluator, slots));
    Tuned tuned = fit.result();
    if (tuned.scores() != null && asPrimary(metric).filter(primary::equals).isPresent()) {
      scored.add(new AnytimePoint(clock.elapsed(), a.configName(), tuned.scores()[tuned.best()]));
    }
    return finish(step, spec, f, tuned, fit.cost(), metric, cost, permutation);
  }

  /** Predicts the test split with a tuned model, saves it, measures its importances. */
  private Outcome finish(String step, AlgorithmSpec spec, Featurized f, Tuned tuned, TaskCost.Cost fitCost,
      String metric, TaskCost cost, PermutationImportance permutation) {
    Algorithm a = spec.algorithm();
    Measured<Long> predicted = cost.measure("train-ml:" + a.configName() + ":predict",
        "train-ml: predict the test split with " + a.configName(),
        () -> writePredictions(predict(tuned.model(), f.test()), new Path(workDir, PREDICTIONS + "/" + a.configName())));
    Path modelDir = new Path(workDir, MODELS + "/" + a.configName());
    save(tuned.model(), f.pipeline(), modelDir);

    Optional<ObjectNode> importances = tuned.model() instanceof Model<?> m ? Importances.of(m, f.slots()) : Optional.empty();
    ObjectNode permuted = cost.measure("train-ml:" + a.configName() + ":permutation",
        "train-ml: permutation importance of " + a.configName(),
        () -> permutation.measure(f.test(), FeaturePipeline.FEATURES, FeaturePipeline.positions(f.slots()),
            rows -> predictionColumns(predict(tuned.model(), modelInputs(rows, f.encoding()))), ml.tuning().seed()))
        .result();
    Outcome o = new Outcome(a, describe(tuned.model()), f.encoding().dirName(), tuned.candidates(), tuned.scores(),
        tuned.candidateRows(), tuned.best(), tuned.rows(), predicted.result(), fitCost, predicted.cost(),
        bytes(modelDir), importances, permuted);
    LOG.info("train-ml: {}: {} {} with {} on {} rows; fit {} s (executor CPU {} s), predicted {} test rows in {} s{}",
        step, metric, Double.isNaN(o.validationScore()) ? "not validated (one candidate)"
            : String.format("%.4f", o.validationScore()),
        o.bestParams(), tuned.rows(), round(fitCost.wallSeconds()), round(fitCost.executorCpuSeconds()),
        predicted.result(), round(predicted.cost().wallSeconds()), clock.limited() ? String.format(Locale.ROOT,
            "; %.0f s of %s spent", clock.elapsed(), clock.budget()) : "");
    return o;
  }

  /**
   * Under a budget: each algorithm in config order fits its grid's cheapest candidate on a small
   * sample while time is left (the first always: the family delivers a model); then
   * {@link CheapFirst#spend} grows the most promising until what is left is what finishing every
   * algorithm should take ({@link CheapFirst.Search#finishing}) and the learning curve's share;
   * then each algorithm's best fit is finished. k-NN's samples are its reference rows.
   */
  private void trainWithin(Dataset<Row> train, Dataset<Row> test, Map<Encoding, Featurized> features, int numClasses,
      Metric primary, TaskCost cost, ExecutorSlots slots, PermutationImportance permutation,
      List<Outcome> outcomes, List<AnytimePoint> scored, List<NotTrained> notTrained) {
    List<AlgorithmSpec> algorithms = ml.algorithms();
    double curve = clock.curveReserve(!config.evaluate().learningCurve().isEmpty());
    LOG.info("train-ml: budget {} ({} s spent by earlier attempts): each of the {} algorithms fits its cheapest"
        + " candidate on {} rows, then the best grow while time is left", clock.budget(), round(clock.spentBefore()),
        algorithms.size(), CheapFirst.FIRST_ROWS);
    Map<AlgorithmSpec, Searched> searched = new LinkedHashMap<>();
    try {
      for (int i = 0; i < algorithms.size(); i++) {
        AlgorithmSpec spec = algorithms.get(i);
        // First fits take at most FIRST_SHARE of the budget: the rest grows the best of them.
        if (i > 0 && (clock.elapsed() > FIRST_SHARE * clock.budget().seconds()
            || clock.left() - curve - finishing(searched.values()) <= 0)) {
          notTrained.add(notTrained(spec, "before its first fit"));
          continue;
        }
        Featurized f = features(features, spec, cost, train, test);
        Searched s = search(spec, f, numClasses, primary, slots, cost);
        searched.put(spec, s);
        s.search().first(clock::elapsed, s.scoredRowCount());
        clock.save();
      }
      CheapFirst.spend(searched.values().stream().map(Searched::search).toList(),
          () -> clock.budget().seconds() - curve - finishing(searched.values()), clock::elapsed,
          primary.higherIsBetter());
      for (int i = 0; i < algorithms.size(); i++) {
        AlgorithmSpec spec = algorithms.get(i);
        String step = String.format("[%d/%d] %s", i + 1, algorithms.size(), spec.algorithm().configName());
        Searched s = searched.get(spec);
        if (s != null) {
          CheapFirst.Search search = s.search();
          search.fits().forEach(x -> scored.add(new AnytimePoint(x.finished(), search.name(), x.score())));
          List<CheapFirst.Fit> fits = search.fits();
          Tuned tuned = new Tuned(search.bestModel(), fits.stream().map(CheapFirst.Fit::candidate).toList(),
              fits.stream().mapToDouble(CheapFirst.Fit::score).toArray(), search.best(), fits.get(search.best()).rows(),
              fits.stream().mapToLong(CheapFirst.Fit::rows).toArray());
          TaskCost.Cost fitCost = new TaskCost.Cost(fits.stream().mapToDouble(CheapFirst.Fit::seconds).sum(),
              s.cpu()[0], 0, 0);
          outcomes.add(finish(step, spec, s.featurized(), tuned, fitCost, primary.key(), cost, permutation));
        }
        clock.save();
      }
    } finally {
      searched.values().forEach(s -> s.scoredRows().unpersist(false));
    }
  }

  private NotTrained notTrained(AlgorithmSpec spec, String when) {
    String why = String.format(Locale.ROOT, "budget: %.0f s of %s spent %s", clock.elapsed(), clock.budget(), when);
    LOG.info("train-ml: {}: not trained ({})", spec.algorithm().configName(), why);
    return new NotTrained(spec.algorithm().configName(), why);
  }

  private static double finishing(java.util.Collection<Searched> searched) {
    return searched.stream().mapToDouble(s -> s.search().finishing()).sum();
  }

  /**
   * The tuning metric for one algorithm. Binary ranking metrics read the class-1 probability
   * where the model has one: a decision tree's raw score is its leaf's class counts, which rank
   * by leaf size rather than by likelihood.
   */
  private Evaluator evaluator(String metric, int numClasses, Algorithm algorithm) {
    if (config.task() == Task.REGRESSION) {
      return new RegressionEvaluator().setMetricName(metric).setLabelCol(FeaturePipeline.LABEL);
    }
    if (metric.startsWith("areaUnder")) {
      if (numClasses != 2) {
        throw new InputException("Cannot rank candidates by " + metric + ": the label has " + numClasses
            + " classes, and " + metric + " needs two (use accuracy or f1)");
      }
      return new BinaryClassificationEvaluator().setMetricName(metric).setLabelCol(FeaturePipeline.LABEL)
          .setRawPredictionCol(algorithm == Algorithm.LINEAR_SVM ? "rawPrediction" : "probability");
    }
    return new MulticlassClassificationEvaluator().setMetricName(metric).setLabelCol(FeaturePipeline.LABEL);
  }

  private Featurized featurize(TaskCost cost, Encoding encoding, Dataset<Row> train, Dataset<Row> test) {
    Measured<Featurized> m = cost.measure("train-ml:features:" + encoding.dirName(),
        "train-ml: fit the " + encoding.dirName() + " feature pipeline", () -> {
          PipelineModel fitted = FeaturePipeline.pipeline(ml.features(), encoding, config.columns().stream()
              .filter(ColumnSpec::alwaysPresent).map(ColumnSpec::name).collect(Collectors.toSet())).fit(train);
          List<Column> keep = new ArrayList<>(List.of(col(ConfigLoader.ROW_ID_COLUMN), col(FeaturePipeline.LABEL),
              col(FeaturePipeline.FEATURES)));
          if (encoding == Encoding.INDEXED_MISSING_KEPT) {
            keep.add(col(FeaturePipeline.FEATURE_ARRAY));
          }
          Column[] kept = keep.toArray(Column[]::new);
          Dataset<Row> trainF = fitted.transform(train).select(kept).persist(StorageLevel.MEMORY_AND_DISK());
          Dataset<Row> testF = fitted.transform(test).select(kept).persist(StorageLevel.MEMORY_AND_DISK());
          long n = trainF.count();
          long testRows = testF.count();
          LOG.info("train-ml: {} feature pipeline fitted on {} train rows", encoding.dirName(), n);
          return new Featurized(encoding, fitted, FeaturePipeline.slots(ml.features(), encoding, fitted),
              FeaturePipeline.widestCategorical(fitted), trainF, n, testF, testRows);
        });
    write(m.result().pipeline(), new Path(workDir, FEATURE_PIPELINES + "/" + encoding.dirName()));
    LOG.info("train-ml: {} features: {} slots ({} s)", encoding.dirName(), m.result().slots().size(),
        round(m.cost().wallSeconds()));
    return m.result();
  }

  private Tuned tune(AlgorithmSpec spec, Featurized f, List<Candidate> candidates, int numClasses, Evaluator evaluator,
      ExecutorSlots slots) {
    Algorithm a = spec.algorithm();
    long seed = ml.tuning().seed();
    Estimators.Built built = Estimators.create(a, config.task(), numClasses, f.widestCategorical(), seed,
        ml.tuning().parallelism());
    Dataset<Row> rows = f.train();
    // A booster takes every task slot (XGBoost's barrier stage, LightGBM's network): one candidate at a time.
    int parallelism = a.isBooster() ? 1 : ml.tuning().parallelism();
    if (a.isBooster()) {
      boolean stops = Boosters.stopsEarly(a, candidates);
      Params p = booster(spec, built, f, numClasses, slots, stops);
      rows = Boosters.partitionedForWorkers(Boosters.categoricalMetadata(rows, spec.nativeCategorical()), a, slots);
      if (stops) {
        return tuneStoppingEarly(p, candidates, rows, evaluator);
      }
      built = new Estimators.Built((Estimator<?>) p, p);
    }
    Params tunedParams = built.tuned();
    ParamMap[] maps = candidates.stream().map(c -> c.toParamMap(tunedParams)).toArray(ParamMap[]::new);
    if (maps.length == 1) {
      return new Tuned(built.estimator().fit(rows, maps[0]), candidates, null, 0, f.trainRows(), null);
    }
    Object best;
    double[] scores;
    if (ml.tuning().method() == TuningMethod.CROSS_VALIDATION) {
      CrossValidatorModel cv = new CrossValidator().setEstimator(built.estimator()).setEstimatorParamMaps(maps)
          .setEvaluator(evaluator).setNumFolds(ml.tuning().folds()).setParallelism(parallelism)
          .setSeed(seed).fit(rows);
      best = cv.bestModel();
      scores = cv.avgMetrics();
    } else {
      TrainValidationSplitModel tvs = new TrainValidationSplit().setEstimator(built.estimator())
          .setEstimatorParamMaps(maps).setEvaluator(evaluator).setTrainRatio(ml.tuning().trainRatio())
          .setParallelism(parallelism).setSeed(seed).fit(rows);
      best = tvs.bestModel();
      scores = tvs.validationMetrics();
    }
    return new Tuned(best, candidates, scores, bestIndex(scores, evaluator.isLargerBetter()), f.trainRows(), null);
  }

  /** A booster with Duet's defaults for this data and these executors. */
  private Params booster(AlgorithmSpec spec, Estimators.Built built, Featurized f, int numClasses, ExecutorSlots slots,
      boolean stops) {
    return Boosters.withDefaults(built.tuned(), spec.algorithm(), numClasses, slots, f.slots(), spec.nativeCategorical(),
        stops, ml.tuning().seed());
  }

  /**
   * An algorithm's search under a budget, with what it holds: its featurized splits, the
   * validation rows it scores on (cached: the caller unpersists them), and its executor CPU.
   */
  private record Searched(CheapFirst.Search search, Featurized featurized, Dataset<Row> scoredRows,
      long scoredRowCount, double[] cpu) {}

  /**
   * {@link CheapFirst} over an algorithm's grid: every fit on seeded samples of the train split
   * less its validation slice (the slice early stopping uses), scored by the primary metric on a
   * sample of that slice.
   */
  private Searched search(AlgorithmSpec spec, Featurized f, int numClasses, Metric primary, ExecutorSlots slots,
      TaskCost cost) {
    Algorithm a = spec.algorithm();
    List<Candidate> candidates = GridParams.candidates(spec, config.task(), ml.tuning());
    long seed = ml.tuning().seed();
    double held = 1 - ml.tuning().trainRatio();
    boolean knn = a == Algorithm.KNN;
    Estimators.Built built = knn ? null : Estimators.create(a, config.task(), numClasses, f.widestCategorical(), seed,
        ml.tuning().parallelism());
    boolean stops = a.isBooster() && Boosters.stopsEarly(a, candidates);
    Params estimator = knn ? null : a.isBooster() ? booster(spec, built, f, numClasses, slots, stops) : built.tuned();
    Dataset<Row> all = a.isBooster() ? Boosters.categoricalMetadata(f.train(), spec.nativeCategorical()) : f.train();
    Dataset<Row> fit = CleanTable.slice(all, held, seed + 1, false);
    Dataset<Row> validation = CleanTable.slice(all, held, seed + 1, true);
    long validationRows = validation.count();
    long fitRows = f.trainRows() - validationRows;
    Dataset<Row> scoredRows = (validationRows > VALIDATION_ROWS
        ? CleanTable.slice(validation, (double) VALIDATION_ROWS / validationRows, seed, true) : validation)
        .persist(StorageLevel.MEMORY_ONLY());
    long scoredRowCount = scoredRows.count();
    double[] cpu = new double[1];
    CheapFirst.Fitter fitter = (c, n) -> {
      Measured<Object> m = cost.measure("train-ml:" + a.configName(), "train-ml: fit " + a.configName(), () -> {
        Dataset<Row> rows = n >= fitRows ? fit : CleanTable.slice(fit, (double) n / fitRows, seed, true);
        if (knn) {
          return new KnnModel(c.k(), numClasses, ml.knn().blockRows(), rows);
        }
        ParamMap params = c.toParamMap(estimator);
        if (!a.isBooster()) {
          return built.estimator().fit(rows, params);
        }
        rows = Boosters.partitionedForWorkers(rows, a, slots);
        return stops ? Boosters.fitStoppingEarly(estimator, params, rows, scoredRows)
            : ((Estimator<?>) estimator).fit(rows, params);
      });
      cpu[0] = m.cost().executorCpuSeconds(); // the group's total so far
      return m.result();
    };
    CheapFirst.Scorer scorer = model -> Metrics.ofRows(predictionColumns(predict(model, scoredRows)).collectAsList(),
        numClasses).get(primary);
    LOG.info("train-ml: {}: {} candidate(s) by cost, on samples of {} fit rows, scored by {} on {} validation rows",
        a.configName(), candidates.size(), fitRows, primary.key(), scoredRowCount);
    // k-NN's samples are its reference rows, at most its reference_rows.
    long searchedRows = knn ? Math.min(fitRows, ml.knn().referenceRows()) : fitRows;
    Dataset<Row> probeRows = f.testRows() > PROBE_ROWS
        ? CleanTable.slice(f.test(), (double) PROBE_ROWS / f.testRows(), seed, true) : f.test();
    CheapFirst.TestProbe probe = model -> {
      long t0 = System.nanoTime();
      predictionColumns(predict(model, probeRows)).write().format("noop").mode(SaveMode.Overwrite).save();
      return (System.nanoTime() - t0) / 1e9;
    };
    CheapFirst.Finish finish = new CheapFirst.Finish(f.testRows() + Metrics.DRIVER_ROWS, probe,
        Math.min(PROBE_ROWS, f.testRows()));
    return new Searched(new CheapFirst.Search(a.configName(), candidates, searchedRows, fitter, scorer,
        primary.higherIsBetter(), finish, knn), f, scoredRows, scoredRowCount, cpu);
  }

  /**
   * Boosters that stop early hold a seeded row-id slice of the train split out of the fit, stop
   * once their metric there stops improving, and are compared on that same slice; the best is
   * kept as fitted (a refit on every row would have no slice to stop on). seed + 1: a
   * max_train_rows sample is a slice of the same hash under the seed itself (as in train-dl).
   */
  private Tuned tuneStoppingEarly(Params booster, List<Candidate> candidates, Dataset<Row> train, Evaluator evaluator) {
    double fraction = 1 - ml.tuning().trainRatio();
    Dataset<Row> validation = CleanTable.slice(train, fraction, ml.tuning().seed() + 1, true);
    Dataset<Row> fit = CleanTable.slice(train, fraction, ml.tuning().seed() + 1, false);
    List<Model<?>> models = new ArrayList<>();
    double[] scores = candidates.size() > 1 ? new double[candidates.size()] : null;
    for (int c = 0; c < candidates.size(); c++) {
      Model<?> m = Boosters.fitStoppingEarly(booster, candidates.get(c).toParamMap(booster), fit, validation);
      models.add(m);
      if (scores != null) {
        scores[c] = evaluator.evaluate(m.transform(validation));
      }
    }
    int best = scores == null ? 0 : bestIndex(scores, evaluator.isLargerBetter());
    return new Tuned(models.get(best), candidates, scores, best, fit.count(), null);
  }

  /**
   * k-NN's tuning searches the validation rows' neighbours once, for the largest k, and scores
   * every k from those lists; the model keeps a seeded sample of the train split as reference.
   */
  private Tuned tuneKnn(Featurized f, List<Candidate> candidates, int numClasses, Evaluator evaluator) {
    TrainMlConfig.KnnSettings s = ml.knn();
    long seed = ml.tuning().seed();
    double[] scores = null;
    int best = 0;
    if (candidates.size() > 1) {
      Dataset<Row>[] parts = f.train().randomSplit(new double[] {ml.tuning().trainRatio(), 1 - ml.tuning().trainRatio()}, seed);
      Dataset<Row> reference = atMost(parts[0], s.referenceRows(), seed);
      Dataset<Row> validation = atMost(parts[1], s.validationRows(), seed);
      int kMax = candidates.stream().mapToInt(Candidate::k).max().orElseThrow();
      JavaPairRDD<Long, KnnSearch.Found> found = KnnSearch.search(validation, reference, kMax, s.blockRows()).cache();
      scores = new double[candidates.size()];
      for (int c = 0; c < candidates.size(); c++) {
        scores[c] = evaluator.evaluate(KnnModel.predictions(spark, found, candidates.get(c).k(), numClasses));
      }
      found.unpersist(false);
      best = bestIndex(scores, evaluator.isLargerBetter());
    }
    Dataset<Row> reference = atMost(f.train(), s.referenceRows(), seed); // the cached train rows, or a sample
    return new Tuned(new KnnModel(candidates.get(best).k(), numClasses, s.blockRows(), reference), candidates,
        scores, best, f.trainRows(), null);
  }

  private static Dataset<Row> atMost(Dataset<Row> rows, long n, long seed) {
    long total = rows.count();
    return total <= n ? rows : rows.sample(false, (double) n / total, seed);
  }

  private static int bestIndex(double[] scores, boolean largerIsBetter) {
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (largerIsBetter ? scores[i] > scores[best] : scores[i] < scores[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Rows of (row id, label, features) as the encoding's models read them: XGBoost reads the same
   * slots as a float array (FeaturePipeline.FEATURE_ARRAY: NaN where missing, as the vector has).
   */
  private static Dataset<Row> modelInputs(Dataset<Row> featurized, Encoding encoding) {
    return encoding == Encoding.INDEXED_MISSING_KEPT ? featurized.withColumn(FeaturePipeline.FEATURE_ARRAY,
        org.apache.spark.ml.functions.vector_to_array(col(FeaturePipeline.FEATURES), "float32")) : featurized;
  }

  private static Dataset<Row> predict(Object model, Dataset<Row> test) {
    return model instanceof KnnModel knn ? knn.transform(test) : ((Transformer) model).transform(test);
  }

  /**
   * (row_id, label, prediction, probability, raw_score, and predicted_class for a text label) as
   * plain Parquet types; returns the row count.
   */
  private long writePredictions(Dataset<Row> predictions, Path dir) {
    Dataset<Row> columns = predictionColumns(predictions);
    dictionary.map(d -> d.name(columns)).orElse(columns).write().mode(SaveMode.ErrorIfExists).parquet(dir.toString());
    return spark.read().parquet(dir.toString()).count();
  }

  private static Dataset<Row> predictionColumns(Dataset<Row> predictions) {
    Set<String> present = Set.of(predictions.columns());
    return predictions.select(col(Predictions.ROW_ID), col(FeaturePipeline.LABEL).as(Predictions.LABEL),
        col(Predictions.PREDICTION), asArray(present, "probability").as(Predictions.PROBABILITY),
        asArray(present, "rawPrediction").as(Predictions.RAW_SCORE));
  }

  private static Column asArray(Set<String> present, String vectorColumn) {
    return present.contains(vectorColumn)
        ? org.apache.spark.ml.functions.vector_to_array(col(vectorColumn), "float64")
        : lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType));
  }

  /** MLlib models as one PipelineModel with their feature steps; k-NN as its own files. */
  private void save(Object model, PipelineModel features, Path dir) {
    if (model instanceof KnnModel knn) {
      write(features, new Path(dir, "features"));
      knn.save(fs, dir);
    } else {
      List<Transformer> stages = new ArrayList<>(Arrays.asList(features.stages()));
      stages.add((Transformer) model);
      write(new PipelineModel(Identifiable.randomUID("duet_" + StageLayout.TRAIN_ML.replace('-', '_')), stages), dir);
    }
  }

  private static void write(MLWritable model, Path dir) {
    try {
      model.write().save(dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot save the model to " + dir + ": " + e.getMessage(), e);
    }
  }

  private long bytes(Path dir) {
    try {
      return fs.getContentSummary(dir).getLength();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(Object model) {
    if (model instanceof org.apache.spark.ml.classification.OneVsRestModel ovr) {
      return "OneVsRest(" + ovr.models()[0].getClass().getSimpleName() + " x " + ovr.models().length + ")";
    }
    return model.getClass().getSimpleName();
  }

  private static double round(double seconds) {
    return TrainMlResult.round(seconds);
  }
}
