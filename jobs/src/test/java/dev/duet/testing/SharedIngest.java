package dev.duet.testing;

import dev.duet.cli.DuetMain;
import dev.duet.contracts.StageLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * The real sample data ingested once per test JVM and copied into each test's store: the test
 * classes that train on MNIST would otherwise each pay its ingest, ~40 s of planning 784 pixel
 * columns whatever the number of rows.
 * Keyed by the config's ingest part (everything before {@code train_ml:}), so configs that differ
 * only in their training sections share one ingest.
 */
public final class SharedIngest {
  private static final Pattern PIPELINE = Pattern.compile("(?m)^pipeline: *(\\S+)");
  private static final Map<String, Path> INGESTED = new HashMap<>();
  private static Path root;

  private SharedIngest() {}

  /** Leaves {@code store/<pipeline>/<runId>/ingest} as the ingest stage would (exit 0). */
  public static synchronized void into(Path store, String runId, String config, SparkSession spark) throws IOException {
    Matcher m = PIPELINE.matcher(config);
    if (!m.find()) {
      throw new IllegalArgumentException("The config names no pipeline");
    }
    String pipeline = m.group(1);
    int sections = config.indexOf("\ntrain_ml:");
    String key = sections < 0 ? config : config.substring(0, sections);
    Path ingested = INGESTED.get(key);
    if (ingested == null) {
      Path shared = root().resolve(String.valueOf(INGESTED.size()));
      Path file = Files.writeString(Files.createDirectories(shared).resolve("config.yaml"), config);
      Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"ingest", "--config", file.toString(),
          "--store", shared.resolve("store").toString(), "--run-id", "shared"}, out, err, spark));
      if (r.exitCode() != 0) {
        throw new IllegalStateException("The shared ingest of " + pipeline + " failed: " + r.err());
      }
      ingested = shared.resolve("store").resolve(pipeline).resolve("shared").resolve("ingest");
      INGESTED.put(key, ingested);
    }
    Path copy = store.resolve(pipeline).resolve(runId).resolve("ingest");
    Dirs.copyTree(ingested, copy);
    // The config ingest keeps is the one it ran under: this run's, whose training sections may differ.
    Files.writeString(copy.resolve(StageLayout.INGEST_CONFIG), config);
    // Hadoop's local file system checks a file against the .crc beside it, copied with the tree.
    Files.deleteIfExists(copy.resolve("." + StageLayout.INGEST_CONFIG + ".crc"));
  }

  private static Path root() throws IOException {
    if (root == null) {
      root = Files.createTempDirectory("duet-shared-ingest");
      Path made = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          Dirs.deleteTree(made);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
    }
    return root;
  }
}
