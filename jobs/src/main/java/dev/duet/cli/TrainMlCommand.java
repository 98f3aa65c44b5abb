package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.StageLayout;
import dev.duet.store.ContentHash;
import dev.duet.store.ManifestBuilder;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import dev.duet.contracts.ModelCards;
import dev.duet.training.BudgetClock;
import dev.duet.training.PermutationImportance;
import dev.duet.trainml.TrainMlJob;
import dev.duet.trainml.TrainMlResult;
import dev.duet.trainml.TrainMlResult.Outcome;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "train-ml", mixinStandardHelpOptions = true,
    description = "Clean Parquet -> tuned classic models (XGBoost, LightGBM, MLlib GBT, random forest, decision tree, linear,"
        + " linear SVM, k-NN),"
        + " test-split predictions, tuning scores, importances and cost under <store>/<pipeline>/<run>/train-ml/."
        + " Default run: the latest one that finished ingest.")
final class TrainMlCommand extends TrainingCommand {

  @Override
  String stageName() {
    return StageLayout.TRAIN_ML;
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    if (config.trainMl().isEmpty()) {
      throw new ConfigException("The config has no train_ml section: nothing to train (see conf/flights.yaml)");
    }
    requireIngest(config, store, runId);
  }

  /** The budget's ledger: a rerun after a failed attempt spends only what is left. */
  @Override
  List<String> carried() {
    return List.of(BudgetClock.CARRIED);
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    Path clean = cleanTable();
    BudgetClock clock = BudgetClock.start(config.budget(), out.fs(), out.carry(BudgetClock.CARRIED));
    TrainMlResult r = new TrainMlJob(spark, config, clean.toString(), out.work(), clock).run();
    out.writeJson(TrainMlJob.SUMMARY, r.summary());
    out.writeJson(TrainMlJob.TUNING, r.tuning());
    out.writeJson(TrainMlJob.IMPORTANCES, r.importances());
    out.writeJson(PermutationImportance.FILE, r.permutationImportance());
    out.writeJson(StageLayout.MODEL_CARDS, r.cards().toJson());
    ManifestBuilder manifest = manifests.start(started)
        .input("clean", clean.toString(), r.cleanRows(),
            ContentHash.of(ingest().fs(), clean, ContentHash.DEFAULT_MAX_BYTES))
        .output("summary", TrainMlJob.SUMMARY, null)
        .output("model_cards", StageLayout.MODEL_CARDS, null)
        .output("tuning", TrainMlJob.TUNING, null)
        .output("importances", TrainMlJob.IMPORTANCES, null)
        .output("permutation_importance", PermutationImportance.FILE, null)
        .output("feature_pipelines", TrainMlJob.FEATURE_PIPELINES, null);
    var stdout = out();
    stdout.printf("train-ml: fitted on %,d train rows, predicted %,d test rows%n", r.trainRows(), r.testRows());
    for (Outcome o : r.algorithms()) {
      String name = o.algorithm().configName();
      manifest.output("model:" + name, TrainMlJob.MODELS + "/" + name, null)
          .output("predictions:" + name, TrainMlJob.PREDICTIONS + "/" + name, r.testRows());
      stdout.printf("  %-14s validation %s %s   train %7.1f s (executor CPU %7.1f s)   predict %5.1f s   model %,d bytes%n",
          name, r.metric(), Double.isNaN(o.validationScore()) ? "   -  " : String.format("%.4f", o.validationScore()),
          o.train().wallSeconds(), o.train().executorCpuSeconds(), o.predict().wallSeconds(), o.modelBytes());
    }
    r.cards().notTrained().forEach(n -> stdout.printf("  %-14s not trained: %s%n", n.name(), n.reason()));
    ModelCards.Spend spend = r.cards().spend();
    if (spend.budgetSeconds() != null) {
      stdout.printf("train-ml: spent %.0f s of its %.0f s budget%n", spend.seconds(), spend.budgetSeconds());
    }
    return manifest.build(Instant.now());
  }
}
