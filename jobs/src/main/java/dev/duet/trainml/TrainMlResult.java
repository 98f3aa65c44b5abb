package dev.duet.trainml;

import dev.duet.config.Algorithm;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCard.Interpretability;
import dev.duet.contracts.ModelCards;
import dev.duet.spark.TaskCost.Cost;
import dev.duet.store.Json;
import dev.duet.training.PermutationImportance;
import dev.duet.trainml.GridParams.Candidate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What train-ml produced, and its three reports.
 *
 * @param classes    classes of the label (0 for regression)
 * @param cleanRows  rows of ingest's clean table (both splits)
 * @param trainRows  labelled train rows the models were fitted on (after max_train_rows)
 * @param testRows   rows of the test split, each predicted by every algorithm
 * @param metric     the tuning metric
 * @param algorithms one outcome per algorithm, in config order
 * @param permutationMetric the metric permutation importance drops (evaluate's primary metric)
 * @param permutationRows   held-out rows it shuffled
 * @param cards      what evaluate reads of each model (model-cards.json)
 */
public record TrainMlResult(String label, String task, int classes, long cleanRows, long trainRows, long testRows, String method,
    String metric, boolean largerIsBetter, List<Outcome> algorithms, Metric permutationMetric, long permutationRows,
    ModelCards cards) {
  private static final int TOP_FEATURES = 5;

  /**
   * @param model       the fitted model's kind, e.g. {@code OneVsRest(GBTClassificationModel x 10)}
   * @param features    the feature encoding it was fitted on
   * @param scores      each candidate's validation score; null when the grid had one candidate
   * @param candidateRows under a budget, the rows each candidate was fitted on, in the order they
   *                    were (a candidate may be fitted on a sample, then on more rows); null: none
   * @param best        index of the best candidate
   * @param trainRows   rows the kept model was fitted on
   * @param importances what the model looks at, by input column (none for k-NN)
   * @param permutation its permutation importance ({@link dev.duet.training.PermutationImportance})
   */
  public record Outcome(Algorithm algorithm, String model, String features, List<Candidate> candidates,
      double[] scores, long[] candidateRows, int best, long trainRows, long testRowsPredicted, Cost train, Cost predict, long modelBytes,
      Optional<ObjectNode> importances, ObjectNode permutation) {

    public Map<String, Object> bestParams() {
      return candidates.get(best).values();
    }

    /** What evaluate reads of it: the best params as text, its own top features, its cost. */
    ModelCard card() {
      String name = algorithm.configName();
      Map<String, String> params = new java.util.LinkedHashMap<>();
      bestParams().forEach((k, v) -> params.put(k, String.valueOf(v)));
      List<String> top = new java.util.ArrayList<>();
      importances.ifPresent(i -> i.path("top_features").forEach(f -> {
        if (top.size() < TOP_FEATURES) {
          top.add(f.path("feature").asText());
        }
      }));
      return new ModelCard(Family.CLASSIC, name, TrainMlJob.MODELS + "/" + name, TrainMlJob.PREDICTIONS + "/" + name,
          trainRows, train.wallSeconds(), train.executorCpuSeconds(), 0, modelBytes, predict.wallSeconds(),
          testRowsPredicted, top, interpretability(algorithm), interpretabilityNote(algorithm), params, List.of(),
          ModelCards.convert(permutation, ModelCard.Permutation.class), List.of());
    }

    /** What a person can read of the model: a tree or coefficients, ensemble importances, or neighbours only. */
    private static Interpretability interpretability(Algorithm a) {
      return switch (a) {
        case DECISION_TREE, LINEAR, LINEAR_SVM -> Interpretability.HIGH;
        case GBT, RANDOM_FOREST, XGBOOST, LIGHTGBM -> Interpretability.MEDIUM;
        case NAIVE_BAYES -> Interpretability.HIGH;
        case KNN -> Interpretability.LOW;
      };
    }

    private static String interpretabilityNote(Algorithm a) {
      return switch (a) {
        case DECISION_TREE -> "one tree: its split rules can be read, plus feature importances";
        case LINEAR, LINEAR_SVM -> "one coefficient per feature";
        case GBT, RANDOM_FOREST -> "feature importances of a tree ensemble";
        case XGBOOST, LIGHTGBM -> "feature importances (total split gain) of a boosted tree ensemble";
        case NAIVE_BAYES -> "per feature and class, how likely it is: the terms that tip a row each way";
        case KNN -> "instance-based: a prediction is explained only by its nearest training rows";
      };
    }

    /** The best candidate's validation score; NaN when there was nothing to choose. */
    public double validationScore() {
      return scores == null ? Double.NaN : scores[best];
    }
  }

  /** train-ml.json: per algorithm, the best params, validation score, paths, size and cost. */
  public ObjectNode summary() {
    ObjectNode s = Json.object();
    s.put("label", label);
    s.put("task", task);
    s.put("classes", classes);
    s.put("clean_rows", cleanRows);
    s.put("train_rows", trainRows);
    s.put("test_rows", testRows);
    ArrayNode list = s.putArray("algorithms");
    for (Outcome o : algorithms) {
      String name = o.algorithm().configName();
      ObjectNode a = list.addObject();
      a.put("algorithm", name);
      a.put("model", o.model());
      a.put("features", o.features());
      a.set("best_params", Json.MAPPER.valueToTree(o.bestParams()));
      a.put("validation_metric", metric);
      putScore(a, "validation_score", o.validationScore());
      a.put("train_rows", o.trainRows());
      a.put("model_path", TrainMlJob.MODELS + "/" + name);
      a.put("predictions_path", TrainMlJob.PREDICTIONS + "/" + name);
      a.put("model_bytes", o.modelBytes());
      a.put("test_rows_predicted", o.testRowsPredicted());
      ObjectNode cost = a.putObject("cost");
      cost.set("train", cost(o.train()));
      cost.set("predict", cost(o.predict()));
    }
    return s;
  }

  /** tuning.json: every candidate's params and validation score, and which one won. */
  public ObjectNode tuning() {
    ObjectNode t = Json.object();
    t.put("method", method);
    t.put("metric", metric);
    t.put("larger_is_better", largerIsBetter);
    ObjectNode byAlgorithm = t.putObject("algorithms");
    for (Outcome o : algorithms) {
      ObjectNode a = byAlgorithm.putObject(o.algorithm().configName());
      ArrayNode candidates = a.putArray("candidates");
      for (int c = 0; c < o.candidates().size(); c++) {
        ObjectNode cj = candidates.addObject();
        cj.set("params", Json.MAPPER.valueToTree(o.candidates().get(c).values()));
        putScore(cj, "score", o.scores() == null ? Double.NaN : o.scores()[c]);
        if (o.candidateRows() != null) {
          cj.put("train_rows", o.candidateRows()[c]);
        }
      }
      a.put("best", o.best());
    }
    return t;
  }

  /** permutation_importance.json: every algorithm, in the schema train-dl writes too. */
  public ObjectNode permutationImportance() {
    ObjectNode models = Json.object();
    algorithms.forEach(o -> models.set(o.algorithm().configName(), o.permutation()));
    return PermutationImportance.file(permutationMetric, permutationRows, models);
  }

  /** importances.json: per algorithm that has them. */
  public ObjectNode importances() {
    ObjectNode i = Json.object();
    algorithms.forEach(o -> o.importances().ifPresent(imp -> i.set(o.algorithm().configName(), imp)));
    return i;
  }

  private static void putScore(ObjectNode node, String key, double score) {
    if (Double.isNaN(score)) {
      node.putNull(key);
    } else {
      node.put(key, score);
    }
  }

  private static ObjectNode cost(Cost c) {
    ObjectNode o = Json.object();
    o.put("wall_seconds", round(c.wallSeconds()));
    o.put("executor_cpu_seconds", round(c.executorCpuSeconds()));
    o.put("executor_run_seconds", round(c.executorRunSeconds()));
    o.put("tasks", c.tasks());
    return o;
  }

  static double round(double seconds) {
    return Math.round(seconds * 100) / 100.0;
  }
}
