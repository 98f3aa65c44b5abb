package dev.duet.trainml;

import dev.duet.config.PipelineConfig.Task;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassifier;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMRegressor;
import java.util.Locale;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressor;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;

/** The classic algorithms {@code train_ml.algorithms} can name, for either task. */
public enum Algorithm {
  /** XGBoost's Spark estimator (histogram trees, one worker per task slot in a barrier stage). */
  XGBOOST,
  /** LightGBM through SynapseML (one native dataset per executor, its own network between them). */
  LIGHTGBM,
  GBT, RANDOM_FOREST, DECISION_TREE,
  /** Logistic regression for classification, linear regression for regression. */
  LINEAR,
  /** Classification only; one-vs-rest when there are more than two classes. */
  LINEAR_SVM,
  /** Exact k nearest neighbours by blocked brute force ({@link KnnSearch}); not part of MLlib. */
  KNN;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Trees read indexed categoricals; the rest need one-hot encoding and scaled numbers. */
  public boolean isTree() {
    return isBooster() || this == GBT || this == RANDOM_FOREST || this == DECISION_TREE;
  }

  /** The gradient-boosting engines outside MLlib: their own missing-value and categorical handling. */
  public boolean isBooster() {
    return this == XGBOOST || this == LIGHTGBM;
  }

  public boolean supports(Task task) {
    return this != LINEAR_SVM || task == Task.CLASSIFICATION;
  }

  /**
   * A fresh MLlib estimator whose parameters a grid sets (for multiclass GBT and SVM, the
   * binary learner that one-vs-rest wraps). Not for {@link #KNN}, which has no MLlib estimator.
   */
  public Params estimator(Task task) {
    boolean c = task == Task.CLASSIFICATION;
    return switch (this) {
      case XGBOOST -> c ? new XGBoostClassifier() : new XGBoostRegressor();
      case LIGHTGBM -> c ? new LightGBMClassifier() : new LightGBMRegressor();
      case GBT -> c ? new GBTClassifier() : new GBTRegressor();
      case RANDOM_FOREST -> c ? new RandomForestClassifier() : new RandomForestRegressor();
      case DECISION_TREE -> c ? new DecisionTreeClassifier() : new DecisionTreeRegressor();
      case LINEAR -> c ? new LogisticRegression() : new LinearRegression();
      case LINEAR_SVM -> new LinearSVC();
      case KNN -> throw new IllegalArgumentException("k-NN is not an MLlib estimator");
    };
  }
}
