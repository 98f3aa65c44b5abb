package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigException;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.spark.HadoopConf;
import dev.duet.spark.SparkSessions;
import dev.duet.store.ContentHash;
import dev.duet.store.RunLease;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every stage command shares: the common options, config loading and validation before
 * Spark starts, resume (skip a finished stage unless {@code --force}) and atomic publishing.
 * A subclass checks its inputs ({@link #prepare}) and does the work ({@link #execute}).
 */
abstract class StageCommand implements Callable<Integer> {
  static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Spec
  CommandSpec spec;

  @Mixin
  RunOptions options = new RunOptions();

  @Option(names = "--force", description = "Redo the stage even if this run already finished it.")
  boolean force;

  /** Set by the caller that owns a Spark session (tests); otherwise the command creates one. */
  SparkSession sharedSession;

  private String storeUri;
  private PrintWriter stdout;
  private StageOutput lastOutput;

  abstract String stageName();

  /**
   * Checks that need no Spark (inputs exist, columns present, upstream stages finished); throw
   * {@link ConfigException} or {@link dev.duet.contracts.InputException}.
   */
  abstract void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId);

  /** The loaded config as this command's own options change it (a training stage's --budget). */
  PipelineConfig configured(PipelineConfig config) {
    return config;
  }

  /** The run a stage works on when no --run-id is given: a new one, named by the time. */
  String defaultRunId(PipelineConfig config, RunStore store) {
    return RUN_ID.format(Instant.now());
  }

  /** Runs the stage into {@code out}'s work dir and returns its manifest; prints its summary. */
  abstract ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests);

  @Override
  public Integer call() {
    PipelineConfig config = configured(ConfigLoader.load(options.configFile));
    checkRunId();
    return run(config, configSha256(options.configFile), spec.commandLine().getOut());
  }

  /**
   * The stage on a config already loaded and validated (what {@link #call} and {@code run} do).
   *
   * @param configSha256 the config file's hash, for the manifest
   * @param summaryOut   where the stage prints its summary
   */
  int run(PipelineConfig config, String configSha256, PrintWriter summaryOut) {
    stdout = summaryOut;
    Configuration hadoopConf = HadoopConf.fromSparkSettings(options.sparkConf);
    storeUri = options.store != null ? options.store : config.store().orElse(RunStore.DEFAULT_URI);
    RunStore runStore = RunStore.open(storeUri, hadoopConf);
    String run = options.runId != null ? options.runId : defaultRunId(config, runStore);
    prepare(config, hadoopConf, runStore, run);

    StageOutput out = stageOutput(runStore, config, run);
    lastOutput = out;
    try (RunLease lease = RunLease.acquire(runStore.fs(), out.runDir(), out.stage())) {
      out.recover();
      if (out.isComplete() && !force) {
        stdout.printf("%s: run %s already finished this stage, skipping (use --force to redo): %s%n",
            stageName(), run, out.dir());
        stdout.flush();
        return DuetMain.OK;
      }
      SparkSession spark = sharedSession != null ? sharedSession
          : SparkSessions.create("duet " + stageName() + " " + config.pipeline() + "/" + run, options.sparkConf);
      try {
        // Reopen on Spark's Hadoop configuration: the one its writers use.
        out = stageOutput(store(spark), config, run);
        out.begin();
        Manifests manifests = new Manifests(stageName(), config.pipeline(), run, configSha256, spark);
        ObjectNode manifest = execute(spark, config, out, manifests);
        lease.verify();
        out.publish(manifest);
        stdout.printf("%s: done, output in %s%n", stageName(), out.dir());
        stdout.flush();
        return DuetMain.OK;
      } catch (Throwable e) { // SparkException is checked, yet thrown from Scala code
        out.abort();
        throw e;
      } finally {
        if (sharedSession == null) {
          spark.stop();
        }
      }
    }
  }

  /** The output the last {@link #run} worked on (published when it returned 0). */
  StageOutput lastOutput() {
    return lastOutput;
  }

  /** Where the stage prints its summary. */
  PrintWriter out() {
    return stdout;
  }

  /** Refuses a --run-id this stage cannot use. */
  void checkRunId() {
    options.checkRunId();
  }

  /** Where the stage publishes its output for {@code run}: {@code <pipeline>/<run>/<stage>/}. */
  StageOutput output(RunStore runStore, PipelineConfig config, String run) {
    return runStore.stage(config.pipeline(), run, stageName());
  }

  private StageOutput stageOutput(RunStore runStore, PipelineConfig config, String run) {
    StageOutput out = output(runStore, config, run);
    carried().forEach(out::carry);
    return out;
  }

  /** Directories of {@link StageOutput#carry}: kept across failed attempts until the output is published. */
  List<String> carried() {
    return List.of();
  }

  /** The store, opened on Spark's Hadoop configuration: the one its writers use. */
  RunStore store(SparkSession spark) {
    return RunStore.open(storeUri, spark.sparkContext().hadoopConfiguration());
  }

  static String configSha256(java.nio.file.Path configFile) {
    try {
      return ContentHash.sha256(Files.readAllBytes(configFile));
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + configFile + ": " + e.getMessage());
    }
  }
}
