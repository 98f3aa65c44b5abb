package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.StageLayout;
import dev.duet.ingest.IngestJob;
import dev.duet.ingest.IngestResult;
import dev.duet.ingest.SourceDescription;
import dev.duet.ingest.SourceProbe;
import dev.duet.store.ContentHash;
import dev.duet.store.ManifestBuilder;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Raw input -> clean, split Parquet + quarantine + quality.json under <store>/<pipeline>/<run>/ingest/.")
final class IngestCommand extends StageCommand {
  private SourceDescription source;
  /** The pipeline's latest other finished ingest, the reference of this one's drift. */
  private java.util.Optional<String> previousRun;
  private RunStore store;

  @Override
  String stageName() {
    return StageLayout.INGEST;
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    source = SourceProbe.probe(config, hadoopConf);
    this.store = store;
    previousRun = store.latestRunWith(config.pipeline(),
        run -> !run.equals(runId) && !RunOptions.NOT_TRAINING_RUNS.contains(run), StageLayout.INGEST);
    List<String> missing = SourceProbe.missingColumns(config, source);
    if (!missing.isEmpty()) {
      throw new ConfigException(missing);
    }
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    IngestJob job = new IngestJob(spark, config, source, out.work());
    IngestResult r = job.run();
    previousRun.ifPresent(run -> r.quality().set("drift",
        job.driftFrom(run, new Path(store.runDir(config.pipeline(), run), StageLayout.INGEST))));
    out.writeJson(StageLayout.QUALITY, r.quality());
    try {
      out.writeBytes(StageLayout.INGEST_CONFIG, java.nio.file.Files.readAllBytes(options.configFile));
    } catch (java.io.IOException e) {
      throw new ConfigException("Cannot read config file " + options.configFile + ": " + e.getMessage());
    }
    ManifestBuilder manifest = manifests.start(started)
        .input("raw", source.path().toString(), r.read(), ContentHash.of(source.fs(), source.path(), ContentHash.DEFAULT_MAX_BYTES))
        .output("clean", StageLayout.CLEAN, r.clean())
        .output("quarantine", IngestJob.QUARANTINE, r.quarantined())
        .output("quality", StageLayout.QUALITY, null)
        .output("config", StageLayout.INGEST_CONFIG, null);
    if (r.quality().at("/label/dictionary").isArray()) {
      manifest.section("label_dictionary", r.quality().at("/label/dictionary"));
    }
    if (r.quality().has("drift")) {
      var flagged = r.quality().path("drift").path("flagged");
      out().printf("ingest: drift from run %s: %s%n", previousRun.get(),
          flagged.isEmpty() ? "nothing flagged" : "flagged " + flagged);
    }
    out().printf(
        "ingest: read %,d rows: %,d clean, %,d quarantined, %,d duplicates removed, %,d dropped%n",
        r.read(), r.clean(), r.quarantined(), r.duplicatesRemoved(), r.dropped());
    return manifest.build(Instant.now());
  }
}
