package dev.duet.trainml;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.spark.TaskCost.Cost;
import java.util.List;

/**
 * @param trainRows  labelled train rows the models were fitted on (after max_train_rows)
 * @param testRows   rows of the test split, each predicted by every algorithm
 * @param algorithms one outcome per algorithm, in config order
 * @param summary    train-ml.json: the outcomes in full
 * @param tuning     tuning.json: every candidate's score
 * @param importances importances.json: per algorithm, by input column
 */
public record TrainMlResult(long trainRows, long testRows, List<Outcome> algorithms, ObjectNode summary,
    ObjectNode tuning, ObjectNode importances) {

  /**
   * @param metric          the tuning metric's name
   * @param validationScore best candidate's validation score (NaN when the grid had one candidate)
   */
  public record Outcome(Algorithm algorithm, String metric, double validationScore, Cost train, Cost predict,
      long modelBytes) {}
}
