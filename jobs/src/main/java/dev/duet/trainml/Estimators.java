package dev.duet.trainml;

import dev.duet.config.PipelineConfig.Task;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.Classifier;
import org.apache.spark.ml.classification.OneVsRest;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.tree.DecisionTreeParams;

/** MLlib estimators for an algorithm, wired to Duet's feature and label columns. */
final class Estimators {
  private Estimators() {}

  /**
   * @param estimator what is fitted
   * @param tuned     the estimator a grid's parameters belong to: {@code estimator} itself, or
   *                  the binary learner inside one-vs-rest
   */
  record Built(Estimator<?> estimator, Params tuned) {}

  /**
   * @param widestCategorical trees need maxBins at least this (categories + 1); it becomes the
   *                          default, a grid may still set maxBins
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static Built create(Algorithm algorithm, Task task, int numClasses, int widestCategorical, long seed,
      int parallelism) {
    Params p = algorithm.estimator(task);
    if (p instanceof Predictor predictor) {
      predictor.setFeaturesCol(algorithm == Algorithm.XGBOOST ? FeaturePipeline.FEATURE_ARRAY : FeaturePipeline.FEATURES)
          .setLabelCol(FeaturePipeline.LABEL);
    }
    if (p instanceof DecisionTreeParams tree) {
      ParamMap defaults = new ParamMap().put((Param) tree.maxBins(), Math.max(32, widestCategorical))
          .put((Param) tree.seed(), seed);
      p = p.copy(defaults); // same uid, so the grid's parameters still belong to it
    }
    boolean binaryOnly = algorithm == Algorithm.GBT || algorithm == Algorithm.LINEAR_SVM;
    if (task == Task.CLASSIFICATION && binaryOnly && numClasses > 2) {
      OneVsRest ovr = new OneVsRest().setClassifier((Classifier) p).setParallelism(parallelism)
          .setFeaturesCol(FeaturePipeline.FEATURES).setLabelCol(FeaturePipeline.LABEL);
      return new Built(ovr, p);
    }
    return new Built((Estimator<?>) p, p);
  }
}
