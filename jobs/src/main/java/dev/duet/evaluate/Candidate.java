package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A trained model found on the store, with what its training stage measured about it.
 *
 * @param family          classic ML (train-ml) or deep learning (train-dl)
 * @param name            the algorithm or network (gbt, knn, mlp, cnn, …)
 * @param predictions     its test-split predictions (Parquet)
 * @param model           where the model is (a directory or a zip)
 * @param trainRows       rows it was fitted on
 * @param trainSeconds    training wall time (tuning included; every epoch for a network)
 * @param trainCpuSeconds executor CPU time of training
 * @param gpus            GPUs used for training
 * @param modelBytes      size of the saved model
 * @param predictSeconds  wall time of predicting the test split
 * @param predictedRows   test rows predicted
 * @param topFeatures     its most important inputs, most important first (empty: none measured)
 * @param epochs          a network's per-epoch curve (null for classic models)
 * @param bestParams      a classic model's tuned MLlib params (null for a network)
 * @param permutation     its permutation importance as its training stage measured it (missing: none)
 */
record Candidate(
    Family family,
    String name,
    Path predictions,
    Path model,
    long trainRows,
    double trainSeconds,
    double trainCpuSeconds,
    int gpus,
    long modelBytes,
    double predictSeconds,
    long predictedRows,
    List<String> topFeatures,
    JsonNode epochs,
    JsonNode bestParams,
    JsonNode permutation) {

  enum Family {
    CLASSIC("classic ML"), DEEP("deep learning");

    private final String title;

    Family(String title) {
      this.title = title;
    }

    String title() {
      return title;
    }
  }

  /** How far a person can follow the model's reasoning, from a model that is its own explanation down. */
  enum Interpretability { HIGH, MEDIUM, LOW }

  /** Its {@code n} most important input columns by permutation importance, with the metric's drop. */
  List<Map.Entry<String, Double>> permutationTop(int n) {
    List<Map.Entry<String, Double>> top = new ArrayList<>();
    for (JsonNode c : permutation.path("columns")) {
      if (top.size() < n) {
        top.add(Map.entry(c.path("column").asText(), c.path("importance").asDouble()));
      }
    }
    return top;
  }

  /** "origin 0.0123, destination 0.0101" (empty when not measured). */
  String permutationSummary(int n) {
    return permutationTop(n).stream().map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.4f", e.getValue()))
        .reduce((a, b) -> a + ", " + b).orElse("");
  }

  /** Test rows scored per second of wall time. */
  double scoringRowsPerSecond() {
    return predictSeconds > 0 ? predictedRows / predictSeconds : Double.NaN;
  }

  String id() {
    return family == Family.CLASSIC ? name : "dl:" + name;
  }

  /** How a person can explain its predictions: a tree or coefficients to read, importances, or nothing built in. */
  Interpretability interpretability() {
    return switch (name) {
      case "decision_tree", "linear", "linear_svm" -> Interpretability.HIGH;
      case "gbt", "random_forest", "xgboost", "lightgbm" -> Interpretability.MEDIUM;
      default -> Interpretability.LOW; // k-NN and networks
    };
  }

  String interpretabilityNote() {
    return switch (name) {
      case "decision_tree" -> "one tree: its split rules can be read, plus feature importances";
      case "linear", "linear_svm" -> "one coefficient per feature";
      case "gbt", "random_forest" -> "feature importances of a tree ensemble";
      case "xgboost", "lightgbm" -> "feature importances (total split gain) of a boosted tree ensemble";
      case "knn" -> "instance-based: a prediction is explained only by its nearest training rows";
      default -> "no importances built in: a network's weights are not per feature";
    };
  }
}
