package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.contracts.StageLayout;
import dev.duet.evaluate.Candidate.Family;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import dev.duet.training.PermutationImportance;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * The training branches of one run as the store has them: every model of a finished branch, and
 * a note for each branch that is missing or did not finish (evaluate reports on what exists).
 *
 * @param candidates models of finished branches, classic first
 * @param missing    one line per branch that has no finished output
 * @param classes    classes of the label (0: regression), as the training stages found them
 */
public record Branches(List<Candidate> candidates, List<String> missing, int classes) {
  private static final int TOP_FEATURES = 5;

  static Branches read(RunStore store, String pipeline, String runId) {
    List<Candidate> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    int classes = -1;
    StageOutput ml = store.stage(pipeline, runId, StageLayout.TRAIN_ML);
    if (ml.isComplete()) {
      JsonNode summary = Json.read(store.fs(), new Path(ml.dir(), StageLayout.TRAIN_ML_SUMMARY));
      Path importancesFile = new Path(ml.dir(), StageLayout.TRAIN_ML_IMPORTANCES);
      JsonNode importances = exists(store, importancesFile) ? Json.read(store.fs(), importancesFile) : Json.object();
      JsonNode permutation = permutation(store, ml);
      classes = summary.path("classes").asInt();
      for (JsonNode a : summary.path("algorithms")) {
        String name = a.path("algorithm").asText();
        List<String> top = new ArrayList<>();
        for (JsonNode f : importances.path(name).path("top_features")) {
          if (top.size() < TOP_FEATURES) {
            top.add(f.path("feature").asText());
          }
        }
        found.add(new Candidate(Family.CLASSIC, name, new Path(ml.dir(), a.path("predictions_path").asText()),
            new Path(ml.dir(), a.path("model_path").asText()), summary.path("train_rows").asLong(),
            a.at("/cost/train/wall_seconds").asDouble(), a.at("/cost/train/executor_cpu_seconds").asDouble(), 0,
            a.path("model_bytes").asLong(), a.at("/cost/predict/wall_seconds").asDouble(),
            a.path("test_rows_predicted").asLong(), List.copyOf(top), null,
            a.path("best_params"), permutation.path(name)));
      }
    } else {
      missing.add(note(store, ml));
    }
    StageOutput dl = store.stage(pipeline, runId, StageLayout.TRAIN_DL);
    if (dl.isComplete()) {
      JsonNode summary = Json.read(store.fs(), new Path(dl.dir(), StageLayout.TRAIN_DL_SUMMARY));
      classes = summary.path("classes").asInt();
      JsonNode permutation = permutation(store, dl);
      for (JsonNode s : summary.path("networks")) {
        double seconds = 0;
        double cpu = 0;
        for (JsonNode e : s.path("curve")) { // every epoch, resumed attempts included
          seconds += e.path("seconds").asDouble();
          cpu += e.path("executor_cpu_seconds").asDouble();
        }
        found.add(new Candidate(Family.DEEP, s.path("name").asText(), new Path(dl.dir(), s.path("predictions_path").asText()),
            new Path(dl.dir(), s.path("network_path").asText()), s.path("train_rows").asLong(), seconds, cpu,
            s.at("/cost/gpus").asInt(), s.path("network_bytes").asLong(), s.at("/cost/predict_wall_seconds").asDouble(),
            s.path("test_rows_predicted").asLong(), List.of(), s.path("curve"), null,
            permutation.path(s.path("name").asText())));
      }
    } else {
      missing.add(note(store, dl));
    }
    return new Branches(List.copyOf(found), List.copyOf(missing), classes);
  }

  /** The stage's permutation importances by model (empty for a run from before they were measured). */
  private static JsonNode permutation(RunStore store, StageOutput stage) {
    Path file = new Path(stage.dir(), PermutationImportance.FILE);
    return exists(store, file) ? Json.read(store.fs(), file).path("models") : Json.object();
  }

  private static String note(RunStore store, StageOutput stage) {
    return exists(store, stage.dir())
        ? stage.stage() + ": did not finish (no " + StageOutput.SUCCESS + " in " + stage.dir() + "); its models are left out"
        : stage.stage() + ": not run for this run";
  }

  private static boolean exists(RunStore store, Path p) {
    try {
      return store.fs().exists(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
