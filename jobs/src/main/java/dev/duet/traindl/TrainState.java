package dev.duet.traindl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * How far one network's training has come, as each epoch's checkpoint records it
 * ({@code state-N.json}): the epoch, the best epoch by the selection metric and its score,
 * whether patience ran out, and the curve so far.
 *
 * @param checkpointKey what the checkpoints were made under: another key means another network
 * @param bestScore     the best epoch's validation score, oriented so that higher is better
 */
record TrainState(String checkpointKey, int epoch, int bestEpoch, OptionalDouble bestScore, boolean stoppedEarly,
    List<JsonNode> curve) {

  static TrainState fresh(String checkpointKey) {
    return new TrainState(checkpointKey, 0, 0, OptionalDouble.empty(), false, List.of());
  }

  /** After epoch {@code e} scored {@code score} (higher is better), with its curve point. */
  TrainState after(int e, ObjectNode point, double score, int patience, int epochs) {
    boolean improves = bestScore.isEmpty() || score > bestScore.getAsDouble();
    int best = improves ? e : bestEpoch;
    List<JsonNode> points = new ArrayList<>(curve);
    points.add(point);
    return new TrainState(checkpointKey, e, best, improves ? OptionalDouble.of(score) : bestScore,
        patienceOut(e, best, patience) && e < epochs, List.copyOf(points));
  }

  /** No better validation score for {@code patience} epochs. */
  boolean patienceOut(int patience) {
    return patienceOut(epoch, bestEpoch, patience);
  }

  ArrayNode curveJson() {
    ArrayNode a = Json.array();
    curve.forEach(a::add);
    return a;
  }

  ObjectNode toJson() {
    ObjectNode j = Json.object();
    j.put("checkpoint_key", checkpointKey);
    j.put("epoch", epoch);
    j.put("best_epoch", bestEpoch);
    if (bestScore.isPresent()) {
      j.put("best_validation_score", bestScore.getAsDouble());
    } else {
      j.putNull("best_validation_score");
    }
    j.put("stopped_early", stoppedEarly);
    j.set("curve", curveJson());
    return j;
  }

  /** The state in {@code j}; throws IllegalArgumentException naming what is missing. */
  static TrainState fromJson(JsonNode j) {
    for (String field : List.of("checkpoint_key", "epoch", "best_epoch", "stopped_early", "curve")) {
      if (j.path(field).isMissingNode()) {
        throw new IllegalArgumentException("no " + field);
      }
    }
    List<JsonNode> points = new ArrayList<>();
    j.path("curve").forEach(points::add);
    JsonNode best = j.path("best_validation_score");
    return new TrainState(j.path("checkpoint_key").asText(), j.path("epoch").asInt(), j.path("best_epoch").asInt(),
        best.isNumber() ? OptionalDouble.of(best.asDouble()) : OptionalDouble.empty(),
        j.path("stopped_early").asBoolean(), List.copyOf(points));
  }

  private static boolean patienceOut(int epoch, int bestEpoch, int patience) {
    return epoch - bestEpoch >= patience;
  }
}
