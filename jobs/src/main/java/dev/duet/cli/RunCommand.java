package dev.duet.cli;

import dev.duet.config.ConfigException;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.StageLayout;
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

  /** Set by the caller that owns a Spark session (tests); otherwise the command creates one. */
  SparkSession sharedSession;

  @Override
  public Integer call() {
    PipelineConfig config = ConfigLoader.load(options.configFile); // every config problem, before any stage starts
    options.checkRunId();
    String run = options.runId != null ? options.runId : StageCommand.RUN_ID.format(Instant.now());
    List<String> stages = new ArrayList<>(List.of(StageLayout.INGEST));
    config.trainMl().ifPresent(ml -> stages.add(StageLayout.TRAIN_ML));
    config.trainDl().ifPresent(dl -> stages.add(StageLayout.TRAIN_DL));
    if (stages.size() == 1) {
      throw new ConfigException("The config has neither train_ml nor train_dl: nothing to train or evaluate");
    }
    stages.add(StageLayout.EVALUATE);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.printf("run: %s run %s: %s%n", config.pipeline(), run, String.join(" -> ", stages));
    out.flush();
    SparkSession spark = sharedSession != null ? sharedSession
        : SparkSessions.create("duet run " + config.pipeline() + "/" + run, options.sparkConf);
    try {
      for (String stage : stages) {
        int code = DuetMain.execute(stageArgs(stage, run), out, err, spark);
        if (code != DuetMain.OK) {
          err.printf("duet run: stopped at %s; rerun with --run-id %s to resume from there%n", stage, run);
          err.flush();
          return code;
        }
      }
    } finally {
      if (sharedSession == null) {
        spark.stop();
      }
    }
    out.printf("run: %s run %s finished%n", config.pipeline(), run);
    out.flush();
    return DuetMain.OK;
  }

  private String[] stageArgs(String stage, String run) {
    List<String> args = new ArrayList<>(List.of(stage, "--config", options.configFile.toString(), "--run-id", run));
    if (options.store != null) {
      args.add("--store");
      args.add(options.store);
    }
    options.sparkConf.forEach((k, v) -> {
      args.add("--conf");
      args.add(k + "=" + v);
    });
    if (options.verbose) {
      args.add("--verbose");
    }
    return args.toArray(String[]::new);
  }
}
