package dev.duet.cli;

import dev.duet.store.ManifestBuilder;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;

/** Starts a stage's manifest with what the CLI knows: stage, run, config hash, Spark. */
record Manifests(String stage, String pipeline, String runId, String configHash, SparkSession spark) {
  ManifestBuilder start(Instant startedAt) {
    return new ManifestBuilder(stage, pipeline, runId, configHash, startedAt, spark.version(),
        spark.sparkContext().master());
  }
}
