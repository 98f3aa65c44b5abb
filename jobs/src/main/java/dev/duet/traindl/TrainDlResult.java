package dev.duet.traindl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.spark.TaskCost.Cost;

/**
 * @param epochsRun    epochs trained by this attempt and earlier ones it resumed from
 * @param resumedFrom  the epoch an earlier attempt had finished (0: started fresh)
 * @param bestEpoch    the epoch whose network was kept (lowest validation loss)
 * @param stoppedEarly whether patience ran out before the configured epochs
 * @param summary      train-dl.json: network, encoding, curve, cost
 */
public record TrainDlResult(long cleanRows, long trainRows, long validationRows, long testRows, int epochsRun,
    int resumedFrom, int bestEpoch, boolean stoppedEarly, Cost train, Cost predict, long networkBytes,
    ObjectNode summary) {}
