package dev.duet.trainml;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassifier;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMRegressor;
import dev.duet.config.Algorithm;
import dev.duet.config.PipelineConfig.Task;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressor;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.Classifier;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.classification.OneVsRest;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.ml.tree.DecisionTreeParams;

/** MLlib estimators for an algorithm, wired to Duet's feature and label columns. */
final class Estimators {
  private Estimators() {}

  /**
   * A fresh MLlib estimator whose parameters a grid sets (for multiclass GBT and SVM, the
   * binary learner that one-vs-rest wraps). Not for {@link Algorithm#KNN}, which has no MLlib estimator.
   */
  static Params fresh(Algorithm algorithm, Task task) {
    boolean c = task == Task.CLASSIFICATION;
    return switch (algorithm) {
      case XGBOOST -> c ? new XGBoostClassifier() : new XGBoostRegressor();
      case LIGHTGBM -> c ? new LightGBMClassifier() : new LightGBMRegressor();
      case GBT -> c ? new GBTClassifier() : new GBTRegressor();
      case RANDOM_FOREST -> c ? new RandomForestClassifier() : new RandomForestRegressor();
      case DECISION_TREE -> c ? new DecisionTreeClassifier() : new DecisionTreeRegressor();
      case LINEAR -> c ? new LogisticRegression() : new LinearRegression();
      case LINEAR_SVM -> new LinearSVC();
      case NAIVE_BAYES -> new NaiveBayes();
      case KNN -> throw new IllegalArgumentException("k-NN is not an MLlib estimator");
    };
  }

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
    Params p = fresh(algorithm, task);
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
