package dev.duet.traindl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCards;
import dev.duet.spark.TaskCost.Cost;
import java.util.List;

/**
 * @param cleanRows rows of the clean table
 * @param networks  each network, in config order
 * @param summary   train-dl.json: classes, selection metric, backend, and each network's summary
 * @param permutationImportance permutation_importance.json, in the schema train-ml writes too
 * @param cards     what evaluate reads of each network (model-cards.json), the learning curve on the best
 */
public record TrainDlResult(long cleanRows, List<Network> networks, ObjectNode summary,
    ObjectNode permutationImportance, ModelCards cards) {
  /**
   * @param epochsRun    epochs trained by this attempt and earlier ones it resumed from
   * @param resumedFrom  the epoch an earlier attempt had finished (0: started fresh)
   * @param bestEpoch    the epoch whose network was kept (best validation score)
   * @param stoppedEarly whether patience ran out before the configured epochs
   * @param summary      its entry in train-dl.json: encoding, curve, cost
   * @param permutation  its permutation importance
   * @param card         what evaluate reads of it
   */
  public record Network(String name, long trainRows, long validationRows, long testRows, int epochsRun,
      int resumedFrom, int bestEpoch, boolean stoppedEarly, Cost train, Cost predict, long networkBytes,
      ObjectNode summary, ObjectNode permutation, ModelCard card) {}
}
