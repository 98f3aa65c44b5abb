package dev.duet.testing;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;

/**
 * The real sample data (deploy/fetch-sample-data.sh) cut to test size, once per build, into
 * {@code jobs/target/test-data}: tests check that the pipeline works, not how good it gets at
 * full size (that is bench/'s job), and a stage's time grows with the rows it trains on,
 * predicts and scores, and with the columns it reads. Each slice is a fixed function of the
 * fetched file, so every test JVM (Surefire's, Failsafe's) and every run sees the same rows. The
 * slices the shipped configs read keep every column, so their rules apply unchanged; tests whose
 * point is not MNIST's 784 columns read the digits at half resolution ({@link #halfResolution}).
 */
public final class TestData {
  /** The repository's root: Failsafe says it; Surefire runs in jobs/. */
  public static final Path ROOT = Path.of(System.getProperty("duet.root", "..")).toAbsolutePath().normalize();
  private static final Path SLICES = ROOT.resolve("jobs/target/test-data");

  /**
   * 5,000 of the 10,000 digits (985 in the test split): the smallest slice on which the suite's
   * MNIST floors still hold, measured 2026-12-05. At 3,000 digits XGBoost and LightGBM reach
   * 0.922 and 0.920 (floor 0.93) and the CNN 0.957 (floor 0.96); at 5,000 XGBoost 0.945, LightGBM
   * 0.938, the CNN 0.9645, the forest 0.932 (floor 0.90) and k-NN 0.90 (floor 0.85). Every k-th
   * line of the file, which holds the digits class by class, so every digit keeps its share.
   */
  public static final int MNIST_DIGITS = 5_000;

  /** One flight in {@value #FLIGHTS_EVERY} (about 150,000 of the 3,000,000; 30,000 in the test split). */
  public static final int FLIGHTS_EVERY = 20;

  private TestData() {}

  /** {@code digits} MNIST rows, as {@code data/mnist.csv} has them (header included). */
  public static synchronized Path mnist(int digits) {
    Path slice = SLICES.resolve("mnist-" + digits + ".csv");
    if (!Files.isRegularFile(slice)) {
      try (Stream<String> lines = Files.lines(fetched("mnist.csv"))) {
        List<String> all = lines.toList();
        int rows = all.size() - 1;
        if (digits > rows) {
          throw new IllegalArgumentException("data/mnist.csv holds " + rows + " digits, not " + digits);
        }
        StringBuilder csv = new StringBuilder(all.get(0)).append('\n');
        for (int i = 0; i < digits; i++) {
          csv.append(all.get(1 + (int) ((long) i * rows / digits))).append('\n');
        }
        publish(slice, tmp -> Files.writeString(tmp, csv));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return slice;
  }

  /**
   * {@code mnist(digits)} at half the resolution: each 2x2 block of pixels averaged, 14x14 =
   * 196 columns {@code pixel0..pixel195} (row by row), still in [0, 1]. For tests that need real
   * digits but not all 784 columns: a stage's planning over 784 columns costs tens of seconds
   * whatever the rows, and the cluster test pays it in every JVM it starts.
   */
  public static synchronized Path mnistHalfResolution(int digits) {
    Path slice = SLICES.resolve("mnist-" + digits + "-14x14.csv");
    if (!Files.isRegularFile(slice)) {
      try (Stream<String> lines = Files.lines(mnist(digits))) {
        StringBuilder csv = new StringBuilder("label");
        for (int i = 0; i < 14 * 14; i++) {
          csv.append(",pixel").append(i);
        }
        csv.append('\n');
        lines.skip(1).forEach(line -> {
          String[] v = line.split(",", -1);
          csv.append(v[0]);
          for (int r = 0; r < 14; r++) {
            for (int c = 0; c < 14; c++) {
              int at = 1 + 2 * r * 28 + 2 * c; // the block's top-left pixel, after the label
              double sum = Double.parseDouble(v[at]) + Double.parseDouble(v[at + 1])
                  + Double.parseDouble(v[at + 28]) + Double.parseDouble(v[at + 29]);
              csv.append(',').append(sum / 4);
            }
          }
          csv.append('\n');
        });
        publish(slice, tmp -> Files.writeString(tmp, csv));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return slice;
  }

  /** One flight in {@value #FLIGHTS_EVERY} of {@code data/flights-3m.parquet}, by a hash of all its columns: one Parquet file. */
  public static synchronized Path flights(SparkSession spark) {
    Path slice = SLICES.resolve("flights-1-in-" + FLIGHTS_EVERY + ".parquet");
    if (!Files.isRegularFile(slice)) {
      try {
        publish(slice, tmp -> {
          Path dir = tmp.resolveSibling(tmp.getFileName() + ".dir");
          var all = spark.read().parquet(fetched("flights-3m.parquet").toString());
          Column[] columns = Stream.of(all.columns()).map(c -> col(c)).toArray(Column[]::new);
          all.where(pmod(xxhash64(columns), lit(FLIGHTS_EVERY)).equalTo(0))
              .coalesce(1).write().parquet(dir.toString());
          try (Stream<Path> parts = Files.list(dir)) {
            Files.move(parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow(),
                tmp);
          }
          Dirs.deleteTree(dir);
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return slice;
  }

  /**
   * {@code conf/<name>} as shipped, reading the test-sized slice of its data (MNIST and flights)
   * or the fetched file itself (the others are small already), without the shipped first run's
   * budget: a test that trains within one says so (BudgetCommandTest).
   */
  public static String shipped(String name) {
    try {
      String text = Files.readString(ROOT.resolve("conf").resolve(name)).replaceAll("\nbudget: [^\n]*", "");
      if (text.contains("path: data/mnist.csv")) {
        text = text.replace("path: data/mnist.csv", "path: " + mnist(MNIST_DIGITS));
      }
      if (text.contains("path: data/flights-3m.parquet")) {
        text = text.replace("path: data/flights-3m.parquet", "path: " + flights(SparkTestSession.get()));
      }
      return text.replace("path: data/", "path: " + ROOT.resolve("data") + "/");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code shipped(name)} up to its {@code train_ml:} section, followed by {@code sections}. */
  public static String shipped(String name, String sections) {
    String text = shipped(name);
    return text.substring(0, text.indexOf("\ntrain_ml:") + 1) + sections;
  }

  /**
   * A config over {@code shipped("mnist.yaml")}'s digits turned to read them at half resolution
   * ({@link #mnistHalfResolution}): its path and every {@code pixel{0..783}} (rules, features).
   * For tests whose point is not the 784 columns: a stage's per-column work shrinks with them
   * (measured on 5,000 digits: a feature pipeline 35 s to 7-12 s, an ingest 81 s to 50 s).
   */
  public static String halfResolution(String mnistConfig) {
    String full = mnist(MNIST_DIGITS).toString();
    if (!mnistConfig.contains("path: " + full) || !mnistConfig.contains("pixel{0..783}")) {
      throw new IllegalArgumentException("Not a config over TestData's MNIST digits: " + mnistConfig);
    }
    return mnistConfig.replace("path: " + full, "path: " + mnistHalfResolution(MNIST_DIGITS))
        .replace("pixel{0..783}", "pixel{0..195}");
  }

  private static Path fetched(String file) {
    Path path = ROOT.resolve("data").resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(path + " is missing: run deploy/fetch-sample-data.sh (the README's test command does)");
    }
    return path;
  }

  private interface Writer {
    void write(Path tmp) throws IOException;
  }

  /** Written beside, then renamed: a JVM that stops half-way never leaves a slice that looks whole. */
  private static void publish(Path slice, Writer writer) throws IOException {
    Files.createDirectories(slice.getParent());
    Path tmp = Files.createTempFile(slice.getParent(), slice.getFileName().toString(), ".tmp");
    Files.delete(tmp);
    writer.write(tmp);
    Files.move(tmp, slice, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
