package dev.duet.cli;

import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.contracts.StageLayout;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import org.apache.hadoop.fs.Path;

/** A training stage: reads ingest's clean table of its run, by default the latest ingested run. */
abstract class TrainingCommand extends StageCommand {
  @picocli.CommandLine.Mixin
  BudgetOption budget = new BudgetOption();

  private StageOutput ingest;

  @Override
  PipelineConfig configured(PipelineConfig config) {
    return budget.apply(config);
  }

  @Override
  String defaultRunId(PipelineConfig config, RunStore store) {
    return store.latestRunWith(config.pipeline(), StageLayout.INGEST).orElseThrow(() -> new InputException(
        "No run of " + config.pipeline() + " in " + store.root() + " has finished ingest: run ./duet ingest first"));
  }

  /** Refuses a run whose ingest has not finished. */
  void requireIngest(PipelineConfig config, RunStore store, String runId) {
    ingest = store.stage(config.pipeline(), runId, StageLayout.INGEST);
    if (!ingest.isComplete()) {
      throw new InputException("Run " + runId + " of " + config.pipeline() + " has not finished ingest ("
          + ingest.dir() + "): run ./duet ingest --run-id " + runId + " first");
    }
  }

  StageOutput ingest() {
    return ingest;
  }

  Path cleanTable() {
    return new Path(ingest.dir(), StageLayout.CLEAN);
  }
}
