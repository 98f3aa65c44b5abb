package dev.duet.cli;

import dev.duet.config.ConfigException;
import dev.duet.contracts.StageLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command that works on a run shares (picocli mixin): stages and {@code run}. */
final class RunOptions {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Pipeline config (conf/<pipeline>.yaml).")
  Path configFile;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Run to create or resume (letters, digits, '-', '_', '.'). Default: the current UTC time.")
  String runId;

  @Option(names = "--store", paramLabel = "URI",
      description = "Store root: a path or any Hadoop URI (file://, hdfs://, s3a://). Default: the config's store, else ./artifacts.")
  String store;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, as in spark-submit (repeatable).")
  Map<String, String> sparkConf = new LinkedHashMap<>();

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  /** Names beside a pipeline's training runs in the store, which no training run can take. */
  static final java.util.Set<String> NOT_TRAINING_RUNS = java.util.Set.of(StageLayout.SCORE, "blessings");

  /** Refuses a --run-id that cannot name a training run's store directory. */
  void checkRunId() {
    checkRunId(NOT_TRAINING_RUNS);
  }

  /** Refuses a --run-id that cannot name a store directory, or is one of {@code reserved}. */
  void checkRunId(java.util.Set<String> reserved) {
    if (runId != null && !StageLayout.ID.matcher(runId).matches()) {
      throw new ConfigException("Cannot use run id '" + runId + "': use letters, digits, '-', '_' and '.'");
    }
    if (runId != null && reserved.contains(runId)) {
      throw new ConfigException("Cannot use run id '" + runId + "': the store keeps other things under that name");
    }
  }
}
