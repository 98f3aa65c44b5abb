package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.StageLayout;
import dev.duet.store.ContentHash;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import dev.duet.traindl.TrainDlJob;
import dev.duet.traindl.TrainDlResult;
import dev.duet.contracts.ModelCards;
import dev.duet.training.BudgetClock;
import dev.duet.training.PermutationImportance;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "train-dl", mixinStandardHelpOptions = true,
    description = "Clean Parquet -> a DL4J network (MLP or CNN) trained with parameter averaging on Spark, with"
        + " per-epoch checkpoints (a rerun resumes), early stopping and test-split predictions under"
        + " <store>/<pipeline>/<run>/train-dl/. Default run: the latest one that finished ingest.")
final class TrainDlCommand extends TrainingCommand {
  @Override
  String stageName() {
    return StageLayout.TRAIN_DL;
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    if (config.trainDl().isEmpty()) {
      throw new ConfigException("The config has no train_dl section: nothing to train (see conf/mnist.yaml)");
    }
    requireIngest(config, store, runId);
  }

  /** Outside the attempt's work dir, so that a failed attempt's epochs survive for the next one. */
  @Override
  List<String> carried() {
    return List.of(TrainDlJob.CHECKPOINTS, BudgetClock.CARRIED);
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    Path clean = cleanTable();
    BudgetClock clock = BudgetClock.start(config.budget(), out.fs(), out.carry(BudgetClock.CARRIED));
    TrainDlResult r = new TrainDlJob(spark, config, clean.toString(), out.work(), out.carry(TrainDlJob.CHECKPOINTS),
        clock).run();
    out.writeJson(TrainDlJob.SUMMARY, r.summary());
    out.writeJson(PermutationImportance.FILE, r.permutationImportance());
    out.writeJson(StageLayout.MODEL_CARDS, r.cards().toJson());
    var stdout = out();
    var manifest = manifests.start(started)
        .input("clean", clean.toString(), r.cleanRows(), ContentHash.of(ingest().fs(), clean, ContentHash.DEFAULT_MAX_BYTES));
    for (TrainDlResult.Network n : r.networks()) {
      stdout.printf("train-dl: %s: %d epochs (best %d%s%s), fitted on %,d rows, predicted %,d test rows; network %,d"
              + " bytes%n", n.name(), n.epochsRun(), n.bestEpoch(),
          n.resumedFrom() > 0 ? ", resumed after epoch " + n.resumedFrom() : "", n.stoppedEarly() ? ", stopped early" : "",
          n.trainRows(), n.testRows(), n.networkBytes());
      manifest.output("network:" + n.name(), TrainDlJob.networkPath(n.name()), null)
          .output("predictions:" + n.name(), TrainDlJob.predictionsPath(n.name()), n.testRows());
    }
    r.cards().notTrained().forEach(n -> stdout.printf("train-dl: %s: not trained: %s%n", n.name(), n.reason()));
    ModelCards.Spend spend = r.cards().spend();
    if (spend.budgetSeconds() != null) {
      stdout.printf("train-dl: spent %.0f s of its %.0f s budget%n", spend.seconds(), spend.budgetSeconds());
    }
    return manifest.output("checkpoints", TrainDlJob.CHECKPOINTS, null)
        .output("summary", TrainDlJob.SUMMARY, null)
        .output("model_cards", StageLayout.MODEL_CARDS, null)
        .output("permutation_importance", PermutationImportance.FILE, null)
        .build(Instant.now());
  }
}
