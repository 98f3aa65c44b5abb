package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The store of a train-ml test class (every stage as run r) and what its tests read from it. */
final class TrainMlStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path tmp;
  private final Path store;
  private final SparkSession spark;

  TrainMlStore(Path tmp, SparkSession spark) {
    this.tmp = tmp;
    this.store = tmp.resolve("store");
    this.spark = spark;
  }

  Path path() {
    return store;
  }

  /** A shipped config on the test-sized data, with its train_ml section replaced (empty: as shipped). */
  static String shipped(String name, String trainMl) {
    return trainMl.isEmpty() ? TestData.shipped(name) : TestData.shipped(name, trainMl);
  }

  Cli run(String stage, String config, String... extra) throws IOException {
    return Cli.duet(tmp, stage, config, store, "r", extra);
  }

  Cli runFile(String stage, Path config, String... extra) {
    return Cli.duet(stage, config, store, "r", extra);
  }

  Dataset<Row> clean(String pipeline) {
    return spark.read().parquet(store.resolve(pipeline + "/r/ingest/clean").toString());
  }

  long trainRows(String pipeline) {
    return clean(pipeline).where("split = 'train'").count();
  }

  Dataset<Row> predictions(Path out, String algorithm) {
    return spark.read().parquet(out.resolve("predictions/" + algorithm).toString());
  }

  static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }
}
