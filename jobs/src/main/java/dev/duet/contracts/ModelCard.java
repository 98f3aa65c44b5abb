package dev.duet.contracts;

import java.util.List;
import java.util.Map;

/**
 * What a training stage says of one model it trained: where it is, what it cost, what it looks
 * at, how it learned. Evaluate compares models from these alone (and their predictions); it
 * never opens a training stage's own summaries. Written and read through {@link ModelCards}.
 *
 * @param family            classic ML (train-ml) or deep learning (train-dl)
 * @param name              the algorithm or network (gbt, knn, mlp, cnn, …)
 * @param modelPath         the saved model, relative to the stage's output (a directory or a zip)
 * @param predictionsPath   its test-split {@link Predictions}, relative to the stage's output
 * @param trainRows         rows it was fitted on
 * @param trainSeconds      training wall time (tuning included; every epoch for a network, resumed attempts too)
 * @param trainCpuSeconds   executor CPU time of training
 * @param gpus              GPUs used for training
 * @param modelBytes        size of the saved model
 * @param predictSeconds    wall time of predicting the test split
 * @param testRowsPredicted test rows predicted
 * @param topFeatures       its own most important inputs (tree gains, coefficients), most important first; empty: none
 * @param interpretability  how far a person can follow its reasoning, as its training stage knows the model
 * @param interpretabilityNote what there is to read: split rules, coefficients, importances, or nothing built in
 * @param bestParams        a classic model's tuned MLlib params (empty for a network)
 * @param epochs            a network's per-epoch curve (empty for a classic model)
 * @param permutation       its permutation importance on held-out rows; null: not measured
 * @param learningCurve     the stage's best model refitted on fractions of its rows, then itself (empty: not measured)
 */
public record ModelCard(
    Family family,
    String name,
    String modelPath,
    String predictionsPath,
    long trainRows,
    double trainSeconds,
    double trainCpuSeconds,
    int gpus,
    long modelBytes,
    double predictSeconds,
    long testRowsPredicted,
    List<String> topFeatures,
    Interpretability interpretability,
    String interpretabilityNote,
    Map<String, String> bestParams,
    List<Epoch> epochs,
    Permutation permutation,
    List<CurvePoint> learningCurve) {

  public ModelCard {
    topFeatures = topFeatures == null ? List.of() : List.copyOf(topFeatures);
    interpretability = interpretability == null ? Interpretability.LOW : interpretability;
    interpretabilityNote = interpretabilityNote == null ? "" : interpretabilityNote;
    bestParams = bestParams == null ? Map.of() : Map.copyOf(bestParams);
    epochs = epochs == null ? List.of() : List.copyOf(epochs);
    learningCurve = learningCurve == null ? List.of() : List.copyOf(learningCurve);
  }

  public enum Family {
    CLASSIC("classic ML", StageLayout.TRAIN_ML), DEEP("deep learning", StageLayout.TRAIN_DL);

    private final String title;
    private final String stage;

    Family(String title, String stage) {
      this.title = title;
      this.stage = stage;
    }

    public String title() {
      return title;
    }

    /** The stage that trains this family. */
    public String stage() {
      return stage;
    }
  }

  /** From a model that is its own explanation (a tree, coefficients) down to one with nothing built in. */
  public enum Interpretability { HIGH, MEDIUM, LOW }

  /**
   * One epoch of a network: losses as its training stage measured them.
   *
   * @param validationAccuracy null for a regression
   * @param validationScore    by {@link ModelCards#metric()} (null: undefined on the slice, or an older card)
   * @param stageSeconds       the stage's clock when the epoch was scored (null: an older card)
   */
  public record Epoch(int epoch, double trainLoss, double validationLoss, Double validationAccuracy, double seconds,
      double executorCpuSeconds, Double validationScore, Double stageSeconds) {}

  /**
   * The drop in {@code metric} when each input column is shuffled among held-out rows.
   *
   * @param columns most important first
   */
  public record Permutation(String metric, long rows, List<Importance> columns) {
    public Permutation {
      columns = columns == null ? List.of() : List.copyOf(columns);
    }
  }

  public record Importance(String column, double importance) {}

  /**
   * One point of a learning curve: the model refitted on {@code fraction} of its training rows.
   *
   * @param score   the test score by {@link ModelCards#metric()}
   * @param seconds the refit's wall time
   */
  public record CurvePoint(double fraction, long trainRows, double score, double seconds) {}

  /** This card with its learning curve. */
  public ModelCard withLearningCurve(List<CurvePoint> points) {
    return new ModelCard(family, name, modelPath, predictionsPath, trainRows, trainSeconds, trainCpuSeconds, gpus,
        modelBytes, predictSeconds, testRowsPredicted, topFeatures, interpretability, interpretabilityNote, bestParams,
        epochs, permutation, points);
  }
}
