package dev.duet.trainml;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.store.Json;
import dev.duet.trainml.FeaturePipeline.Slot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMModelMethods;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.Booster;
import ml.dmlc.xgboost4j.scala.spark.XGBoostModel;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LinearSVCModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.NaiveBayesModel;
import org.apache.spark.ml.classification.OneVsRestModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import scala.collection.JavaConverters;

/**
 * What a model looks at, named by input column: tree importances, or linear coefficients (on
 * standardised numbers, so their sizes compare). Per feature slot, and summed per original
 * column as shares of the total.
 */
final class Importances {
  static final int TOP_FEATURES = 30;
  private static final Pattern XGBOOST_FEATURE = Pattern.compile("f(\\d+)");

  private Importances() {}

  /** Empty for models with nothing per feature to show (k-NN). */
  static Optional<ObjectNode> of(Model<?> model, List<Slot> slots) {
    return weights(model).map(w -> describe(w.kind, w.values, slots));
  }

  private record Weights(String kind, double[] values) {}

  private static Optional<Weights> weights(Model<?> m) {
    Vector tree = m instanceof DecisionTreeClassificationModel d ? d.featureImportances()
        : m instanceof RandomForestClassificationModel r ? r.featureImportances()
        : m instanceof GBTClassificationModel g ? g.featureImportances()
        : m instanceof DecisionTreeRegressionModel d ? d.featureImportances()
        : m instanceof RandomForestRegressionModel r ? r.featureImportances()
        : m instanceof GBTRegressionModel g ? g.featureImportances()
        : null;
    if (tree != null) {
      return Optional.of(new Weights("importance", tree.toArray()));
    }
    if (m instanceof XGBoostModel<?> xgb) {
      return Optional.of(new Weights("total_gain", xgboostGain(xgb)));
    }
    if (m instanceof LightGBMModelMethods lgbm) {
      return Optional.of(new Weights("total_gain", lgbm.getFeatureImportances("gain")));
    }
    if (m instanceof LinearRegressionModel l) {
      return Optional.of(new Weights("coefficient", l.coefficients().toArray()));
    }
    if (m instanceof LinearSVCModel s) {
      return Optional.of(new Weights("coefficient", s.coefficients().toArray()));
    }
    if (m instanceof LogisticRegressionModel l) {
      Matrix c = l.coefficientMatrix();
      if (c.numRows() == 1) {
        return Optional.of(new Weights("coefficient", l.coefficients().toArray()));
      }
      return Optional.of(new Weights("sum_abs_coefficient_over_classes", sumAbsRows(c)));
    }
    if (m instanceof NaiveBayesModel nb) {
      return Optional.of(naiveBayes(nb.theta()));
    }
    if (m instanceof OneVsRestModel ovr) {
      // One binary model per class: add up what each looks at.
      double[] sum = null;
      String kind = null;
      for (ClassificationModel<?, ?> sub : ovr.models()) {
        Weights w = weights(sub).orElse(null);
        if (w == null) {
          return Optional.empty();
        }
        kind = w.kind.equals("importance") ? "mean_importance_over_classes" : "sum_abs_coefficient_over_classes";
        sum = sum == null ? new double[w.values.length] : sum;
        for (int i = 0; i < sum.length; i++) {
          sum[i] += kind.startsWith("mean") ? w.values[i] / ovr.models().length : Math.abs(w.values[i]);
        }
      }
      return Optional.of(new Weights(kind, sum));
    }
    return Optional.empty();
  }

  /**
   * XGBoost names features f0, f1, …; a feature it never split on is absent (gain 0). Its JVM
   * score parser keys a categorical split by the feature and the category set ({@code f0:{2,3}}),
   * so the gains of one feature's keys are added up.
   */
  private static double[] xgboostGain(XGBoostModel<?> model) {
    Booster booster = model.nativeBooster();
    try {
      double[] gain = new double[(int) booster.getNumFeature()];
      Map<String, Object> scores = JavaConverters.mapAsJavaMap(booster.getScore("", "total_gain"));
      scores.forEach((feature, value) -> {
        Matcher m = XGBOOST_FEATURE.matcher(feature);
        if (!m.lookingAt()) {
          throw new IllegalStateException("Unexpected XGBoost feature name " + feature);
        }
        gain[Integer.parseInt(m.group(1))] += ((Number) value).doubleValue();
      });
      return gain;
    } catch (XGBoostError e) {
      throw new IllegalStateException("Cannot read XGBoost's feature gains: " + e.getMessage(), e);
    }
  }

  /**
   * Naive Bayes' theta holds log P(feature | class). With two classes a feature's weight is the
   * log-likelihood ratio (class 1 over class 0): signed, like a coefficient. With more, its
   * spread: the summed distance of each class's log-likelihood from their mean.
   */
  private static Weights naiveBayes(Matrix theta) {
    double[] out = new double[theta.numCols()];
    for (int j = 0; j < theta.numCols(); j++) {
      if (theta.numRows() == 2) {
        out[j] = theta.apply(1, j) - theta.apply(0, j);
        continue;
      }
      double mean = 0;
      for (int r = 0; r < theta.numRows(); r++) {
        mean += theta.apply(r, j) / theta.numRows();
      }
      for (int r = 0; r < theta.numRows(); r++) {
        out[j] += Math.abs(theta.apply(r, j) - mean);
      }
    }
    return new Weights(theta.numRows() == 2 ? "log_likelihood_ratio" : "log_likelihood_spread_over_classes", out);
  }

  private static double[] sumAbsRows(Matrix c) {
    double[] out = new double[c.numCols()];
    for (int r = 0; r < c.numRows(); r++) {
      for (int j = 0; j < c.numCols(); j++) {
        out[j] += Math.abs(c.apply(r, j));
      }
    }
    return out;
  }

  private static ObjectNode describe(String kind, double[] values, List<Slot> slots) {
    if (values.length != slots.size()) {
      throw new IllegalStateException("The model has " + values.length + " features, the feature pipeline "
          + slots.size() + ": cannot name them");
    }
    Map<String, Double> byColumn = new LinkedHashMap<>();
    double total = 0;
    for (int i = 0; i < values.length; i++) {
      byColumn.merge(slots.get(i).column(), Math.abs(values[i]), Double::sum);
      total += Math.abs(values[i]);
    }
    ObjectNode out = Json.object();
    out.put("kind", kind);
    ArrayNode columns = out.putArray("by_column");
    double sum = total;
    byColumn.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e ->
        columns.addObject().put("column", e.getKey()).put("share", sum == 0 ? 0 : e.getValue() / sum));
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> -Math.abs(values[i])));
    ArrayNode features = out.putArray("top_features");
    order.stream().limit(TOP_FEATURES).forEach(i ->
        features.addObject().put("feature", slots.get(i).name()).put("column", slots.get(i).column())
            .put("value", values[i]));
    return out;
  }
}
