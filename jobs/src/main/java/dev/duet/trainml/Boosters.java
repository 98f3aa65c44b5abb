package dev.duet.trainml;

import dev.duet.config.Algorithm;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.duet.config.TrainMlConfig.AlgorithmSpec;
import dev.duet.contracts.InputException;
import dev.duet.spark.ExecutorSlots;
import dev.duet.trainml.FeaturePipeline.Slot;
import dev.duet.trainml.GridParams.Candidate;
import java.util.List;
import java.util.stream.IntStream;
import ml.dmlc.xgboost4j.scala.spark.XGBoostEstimator;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;

/**
 * What XGBoost and LightGBM need beyond a grid: defaults the way their communities run them
 * (histogram trees; one XGBoost worker per task slot with {@code spark.task.cpus} threads; one
 * LightGBM worker per executor with all its cores, bins sampled from all rows), native categorical splits on the indexed
 * columns, early stopping on a seeded row-id slice of the train split, and the checks that keep
 * a barrier stage from waiting forever for slots it will never get.
 */
final class Boosters {
  /** The validation-indicator column LightGBM reads when it stops early. */
  static final String VALIDATION = "_duet_validation";

  private Boosters() {}

  /** The engine's own name of its early-stopping parameter. */
  static String earlyStoppingParam(Algorithm a) {
    return switch (a) {
      case XGBOOST -> "numEarlyStoppingRounds";
      case LIGHTGBM -> "earlyStoppingRound";
      default -> throw new IllegalArgumentException(a + " is not a booster");
    };
  }

  /**
   * Refuses a booster run that cannot start: XGBoost trains in a barrier stage, which Spark
   * refuses under dynamic allocation and which waits (then fails after minutes) when it asks for
   * more workers than there are task slots.
   */
  static void checkSlots(AlgorithmSpec spec, List<Candidate> candidates, ExecutorSlots slots) {
    if (spec.algorithm() != Algorithm.XGBOOST) {
      return;
    }
    String where = "train_ml.algorithms.xgboost";
    if (slots.dynamicAllocation()) {
      throw new InputException("Cannot train xgboost with spark.dynamicAllocation.enabled=true: XGBoost trains in a"
          + " barrier stage, which Spark refuses under dynamic allocation (run train-ml with fixed executors, e.g."
          + " conf/spark/cpu.conf)");
    }
    for (Candidate c : candidates) {
      Object workers = c.values().get("numWorkers");
      if (workers != null && (Integer) workers > slots.taskSlots()) {
        throw new InputException("Cannot set " + where + ".numWorkers to " + workers + ": the application has "
            + slots.taskSlots() + " task slot(s), and XGBoost's barrier stage needs one per worker (it would wait"
            + " for the rest)");
      }
      Object threads = c.values().get("nthread");
      if (threads != null && (Integer) threads > slots.taskCpus()) {
        throw new InputException("Cannot set " + where + ".nthread to " + threads + ": above spark.task.cpus ("
            + slots.taskCpus() + "), the cores each XGBoost worker's task holds");
      }
    }
    if (slots.taskSlots() < 1) {
      throw new InputException("Cannot train xgboost: the application has no task slots (no executor registered)");
    }
  }

  /** Whether any candidate of the grid asks the engine to stop early. */
  static boolean stopsEarly(Algorithm a, List<Candidate> candidates) {
    String stopping = earlyStoppingParam(a);
    return candidates.stream().anyMatch(c -> c.values().get(stopping) instanceof Integer n && n > 0);
  }

  /** The estimator with Duet's defaults; the grid's values still override them (same uid). */
  static Params withDefaults(Params estimator, Algorithm a, int numClasses, ExecutorSlots slots, List<Slot> features,
      boolean nativeCategorical, boolean stopsEarly, long seed) {
    ParamMap defaults = new ParamMap();
    if (a == Algorithm.XGBOOST) {
      put(defaults, estimator, "tree_method", "hist");
      put(defaults, estimator, "numWorkers", Math.max(1, slots.taskSlots()));
      put(defaults, estimator, "nthread", slots.taskCpus());
      put(defaults, estimator, "seed", seed);
      put(defaults, estimator, "verbosity", 0);
      // Missing numbers reach XGBoost as NaN in the dense feature array (FeaturePipeline.FEATURE_ARRAY).
      put(defaults, estimator, "missing", Float.NaN);
      if (nativeCategorical) {
        // "c": split on sets of categories (partition-based splits of the category's index).
        put(defaults, estimator, "feature_types",
            features.stream().map(s -> s.isCategoryIndex() ? "c" : "q").toArray(String[]::new));
      }
    } else {
      if (numClasses > 2) {
        // SynapseML keeps its binary default objective whatever the label: multiclass is asked for.
        put(defaults, estimator, "objective", "multiclass");
      }
      put(defaults, estimator, "numThreads", slots.coresPerExecutor());
      // SynapseML's default "subset" builds the histogram bins from the first million rows only; on a
      // table stored in date order (flights) that misses most months: test AUC 0.721 vs 0.750 at 40 x 6.
      put(defaults, estimator, "samplingMode", "global");
      put(defaults, estimator, "seed", (int) seed);
      put(defaults, estimator, "verbosity", -1);
      if (nativeCategorical) {
        put(defaults, estimator, "categoricalSlotIndexes",
            IntStream.range(0, features.size()).filter(i -> features.get(i).isCategoryIndex()).toArray());
      }
      if (stopsEarly) {
        put(defaults, estimator, "validationIndicatorCol", VALIDATION);
      }
    }
    return estimator.copy(defaults);
  }

  /**
   * The train rows as the engine should see them: without native categoricals the nominal
   * metadata the indexer wrote is replaced, since LightGBM reads it as categorical slots by
   * itself. (Empty metadata would not do: Spark then keeps the column's own.)
   */
  static Dataset<Row> categoricalMetadata(Dataset<Row> train, boolean nativeCategorical) {
    return nativeCategorical ? train
        : train.withColumn(FeaturePipeline.FEATURES, col(FeaturePipeline.FEATURES).as(FeaturePipeline.FEATURES,
            ORDINAL));
  }

  /**
   * LightGBM's train rows over at least one partition per executor: SynapseML starts one worker
   * per partition and only ever coalesces, so a train split stored as one small file would train
   * on one executor alone (XGBoost repartitions to its workers itself).
   */
  static Dataset<Row> partitionedForWorkers(Dataset<Row> train, Algorithm a, ExecutorSlots slots) {
    int executors = slots.taskSlots() * slots.taskCpus() / Math.max(1, slots.coresPerExecutor());
    return a == Algorithm.LIGHTGBM && train.rdd().getNumPartitions() < executors ? train.repartition(executors) : train;
  }

  private static final Metadata ORDINAL = new MetadataBuilder().putString("duet_categorical", "ordinal").build();

  /**
   * Fits one candidate on {@code fit}, stopping once its metric on {@code validation} stops
   * improving. XGBoost takes the validation rows as its evaluation dataset, which is not a Param
   * and so is set on the candidate's copy; LightGBM reads them from an indicator column.
   */
  static Model<?> fitStoppingEarly(Params booster, ParamMap candidate, Dataset<Row> fit, Dataset<Row> validation) {
    Params p = booster.copy(candidate);
    if (p instanceof XGBoostEstimator<?, ?> xgb) {
      xgb.setEvalDataset(validation);
      return (Model<?>) ((Estimator<?>) p).fit(fit);
    }
    return (Model<?>) ((Estimator<?>) p).fit(fit.withColumn(VALIDATION, lit(false))
        .unionByName(validation.withColumn(VALIDATION, lit(true))));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void put(ParamMap map, Params estimator, String name, Object value) {
    map.put((Param) estimator.getParam(name), value);
  }
}
