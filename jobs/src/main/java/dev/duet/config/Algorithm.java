package dev.duet.config;

import dev.duet.config.PipelineConfig.Task;
import java.util.Locale;

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
  /** MLlib's multinomial naive Bayes: classification over counts (one-hot categoricals, text terms). */
  NAIVE_BAYES,
  /** Exact k nearest neighbours by blocked brute force (train-ml's KnnSearch); not part of MLlib. */
  KNN;

  /** The algorithm {@code train_ml.algorithms} names {@code name}. */
  public static Algorithm ofConfigName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether it reads text features (sparse TF-IDF vectors as wide as the vocabulary): the boosters
   * take dense arrays (FeaturePipeline.FEATURE_ARRAY) and k-NN dense blocks, too wide for that.
   */
  public boolean readsText() {
    return !isBooster() && this != KNN;
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
    return (this != LINEAR_SVM && this != NAIVE_BAYES) || task == Task.CLASSIFICATION;
  }
}
