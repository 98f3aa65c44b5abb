package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigException;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.spark.HadoopConf;
import dev.duet.spark.SparkSessions;
import dev.duet.store.ContentHash;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What every stage command shares: the common options, config loading and validation before
 * Spark starts, resume (skip a finished stage unless {@code --force}) and atomic publishing.
 * A subclass checks its inputs ({@link #prepare}) and does the work ({@link #execute}).
 */
abstract class StageCommand implements Callable<Integer> {
  static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Pipeline config (conf/<pipeline>.yaml).")
  Path configFile;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Run to create or resume (letters, digits, '-', '_', '.'). Default: the current UTC time.")
  String runId;

  @Option(names = "--store", paramLabel = "URI",
      description = "Store root: a path or any Hadoop URI (file://, hdfs://, s3a://). Default: the config's store, else ./artifacts.")
  String store;

  @Option(names = "--force", description = "Redo the stage even if this run already finished it.")
  boolean force;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, as in spark-submit (repeatable).")
  Map<String, String> sparkConf = new LinkedHashMap<>();

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  /** Set by the caller that owns a Spark session (tests); otherwise the command creates one. */
  SparkSession sharedSession;

  private String storeUri;

  abstract String stageName();

  /**
   * Checks that need no Spark (inputs exist, columns present, upstream stages finished); throw
   * {@link ConfigException} or {@link dev.duet.ingest.InputException}.
   */
  abstract void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId);

  /** The run a stage works on when no --run-id is given: a new one, named by the time. */
  String defaultRunId(PipelineConfig config, RunStore store) {
    return RUN_ID.format(Instant.now());
  }

  /** Runs the stage into {@code out}'s work dir and returns its manifest; prints its summary. */
  abstract ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests);

  @Override
  public Integer call() {
    PipelineConfig config = ConfigLoader.load(configFile);
    if (runId != null && !ConfigLoader.ID.matcher(runId).matches()) {
      throw new ConfigException("Cannot use run id '" + runId + "': use letters, digits, '-', '_' and '.'");
    }
    Configuration hadoopConf = HadoopConf.fromSparkSettings(sparkConf);
    storeUri = store != null ? store : config.store().orElse(RunStore.DEFAULT_URI);
    RunStore runStore = RunStore.open(storeUri, hadoopConf);
    String run = runId != null ? runId : defaultRunId(config, runStore);
    prepare(config, hadoopConf, runStore, run);

    StageOutput out = runStore.stage(config.pipeline(), run, stageName());
    PrintWriter stdout = spec.commandLine().getOut();
    if (out.isComplete() && !force) {
      stdout.printf("%s: run %s already finished this stage, skipping (use --force to redo): %s%n",
          stageName(), run, out.dir());
      stdout.flush();
      return 0;
    }

    SparkSession spark = sharedSession != null ? sharedSession
        : SparkSessions.create("duet " + stageName() + " " + config.pipeline() + "/" + run, sparkConf);
    try {
      // Reopen on Spark's Hadoop configuration: the one its writers use.
      out = store(spark).stage(config.pipeline(), run, stageName());
      out.begin();
      Manifests manifests = new Manifests(stageName(), config.pipeline(), run, configHash(), spark);
      ObjectNode manifest = execute(spark, config, out, manifests);
      out.publish(manifest);
      stdout.printf("%s: done, output in %s%n", stageName(), out.dir());
      stdout.flush();
      return 0;
    } catch (Throwable e) { // SparkException is checked, yet thrown from Scala code
      out.abort();
      throw e;
    } finally {
      if (sharedSession == null) {
        spark.stop();
      }
    }
  }

  /** The store, opened on Spark's Hadoop configuration: the one its writers use. */
  RunStore store(SparkSession spark) {
    return RunStore.open(storeUri, spark.sparkContext().hadoopConfiguration());
  }

  private String configHash() {
    try {
      return ContentHash.sha256(Files.readAllBytes(configFile));
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + configFile + ": " + e.getMessage());
    }
  }
}
