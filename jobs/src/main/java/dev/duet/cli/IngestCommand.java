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
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Raw input -> clean, split Parquet + quarantine + quality.json under <store>/<pipeline>/<run>/ingest/.")
final class IngestCommand extends StageCommand {
  private SourceDescription source;

  @Override
  String stageName() {
    return StageLayout.INGEST;
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    source = SourceProbe.probe(config, hadoopConf);
    List<String> missing = SourceProbe.missingColumns(config, source);
    if (!missing.isEmpty()) {
      throw new ConfigException(missing);
    }
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    IngestResult r = new IngestJob(spark, config, source, out.work()).run();
    out.writeJson(StageLayout.QUALITY, r.quality());
    ManifestBuilder manifest = manifests.start(started)
        .input("raw", source.path().toString(), r.read(), ContentHash.of(source.fs(), source.path(), ContentHash.DEFAULT_MAX_BYTES))
        .output("clean", StageLayout.CLEAN, r.clean())
        .output("quarantine", IngestJob.QUARANTINE, r.quarantined())
        .output("quality", StageLayout.QUALITY, null);
    if (r.quality().at("/label/dictionary").isArray()) {
      manifest.section("label_dictionary", r.quality().at("/label/dictionary"));
    }
    out().printf(
        "ingest: read %,d rows: %,d clean, %,d quarantined, %,d duplicates removed, %,d dropped%n",
        r.read(), r.clean(), r.quarantined(), r.duplicatesRemoved(), r.dropped());
    return manifest.build(Instant.now());
  }
}
