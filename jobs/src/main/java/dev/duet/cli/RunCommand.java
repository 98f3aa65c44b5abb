package dev.duet.cli;

import dev.duet.config.ConfigException;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.spark.SparkSessions;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The whole pipeline in one process and one Spark session: ingest → train-ml → train-dl →
 * evaluate, each exactly as its own command runs it (so a finished stage of the run is skipped),
 * leaving out a branch the config does not have. Stops at the first stage that fails.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "ingest -> train-ml -> train-dl -> evaluate for one run, skipping stages the run already finished"
        + " (rerun with the same --run-id to resume) and branches the config does not define.")
final class RunCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  RunOptions options = new RunOptions();

  @Mixin
  BudgetOption budget = new BudgetOption();

  /** Set by the caller that owns a Spark session (tests); otherwise the command creates one. */
  SparkSession sharedSession;

  @Override
  public Integer call() {
    // Every config problem, before any stage starts.
    PipelineConfig config = budget.apply(ConfigLoader.load(options.configFile));
    options.checkRunId();
    String configSha256 = StageCommand.configSha256(options.configFile);
    if (options.runId == null) {
      options.runId = StageCommand.RUN_ID.format(Instant.now());
    }
    List<StageCommand> stages = new ArrayList<>(List.of(new IngestCommand()));
    config.trainMl().ifPresent(ml -> stages.add(new TrainMlCommand()));
    config.trainDl().ifPresent(dl -> stages.add(new TrainDlCommand()));
    if (stages.size() == 1) {
      throw new ConfigException("The config has neither train_ml nor train_dl: nothing to train or evaluate");
    }
    stages.add(new EvaluateCommand());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.printf("run: %s run %s: %s%s%n", config.pipeline(), options.runId,
        String.join(" -> ", stages.stream().map(StageCommand::stageName).toList()),
        config.budget().limited() ? " (budget " + config.budget() + " per training stage)" : "");
    out.flush();
    SparkSession spark = sharedSession != null ? sharedSession
        : SparkSessions.create("duet run " + config.pipeline() + "/" + options.runId, options.sparkConf);
    try {
      for (StageCommand stage : stages) {
        // Each stage exactly as its own command runs it, on this config, run id and session.
        stage.options = options;
        stage.sharedSession = spark;
        int code;
        try {
          code = stage.run(config, configSha256, out);
        } catch (Exception e) {
          code = DuetMain.failure(stage.stageName(), e, options.verbose, err);
        }
        if (code != DuetMain.OK) {
          err.printf("duet run: stopped at %s; rerun with --run-id %s to resume from there%n", stage.stageName(),
              options.runId);
          err.flush();
          return code;
        }
      }
    } finally {
      if (sharedSession == null) {
        spark.stop();
      }
    }
    out.printf("run: %s run %s finished%n", config.pipeline(), options.runId);
    out.flush();
    return DuetMain.OK;
  }
}
