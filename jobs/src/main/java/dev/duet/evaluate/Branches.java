package dev.duet.evaluate;

import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCards;
import dev.duet.contracts.StageLayout;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * The training branches of one run as the store has them: every model card of a finished branch,
 * and a note for each branch that is missing or did not finish (evaluate reports on what exists).
 *
 * @param candidates models of finished branches, classic first
 * @param missing    one line per branch that has no finished output
 * @param classes    classes of the label (0: regression), as the training stages found them
 * @param stages     each finished branch's card file (its budget, anytime trace and models left out)
 */
public record Branches(List<Candidate> candidates, List<String> missing, int classes, Map<Family, ModelCards> stages) {

  static Branches read(RunStore store, String pipeline, String runId) {
    List<Candidate> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    Map<Family, ModelCards> stages = new EnumMap<>(Family.class);
    int classes = -1;
    for (Family family : Family.values()) {
      StageOutput stage = store.stage(pipeline, runId, family.stage());
      Path file = new Path(stage.dir(), StageLayout.MODEL_CARDS);
      if (!stage.isComplete()) {
        missing.add(exists(store, stage.dir())
            ? stage.stage() + ": did not finish (no " + StageOutput.SUCCESS + " in " + stage.dir() + "); its models are left out"
            : stage.stage() + ": not run for this run");
      } else if (!exists(store, file)) {
        missing.add(stage.stage() + ": finished by an earlier Duet, without " + StageLayout.MODEL_CARDS
            + "; its models are left out (rerun it with --force)");
      } else {
        ModelCards cards;
        try {
          cards = ModelCards.fromJson(Json.read(store.fs(), file));
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        classes = cards.classes();
        stages.put(family, cards);
        for (ModelCard card : cards.models()) {
          found.add(new Candidate(card, new Path(stage.dir(), card.predictionsPath()), new Path(stage.dir(), card.modelPath())));
        }
      }
    }
    return new Branches(List.copyOf(found), List.copyOf(missing), classes, Map.copyOf(stages));
  }

  private static boolean exists(RunStore store, Path p) {
    try {
      return store.fs().exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
