import dev.duet.cli.DuetMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Ingest throughput against a bare Spark job, in one process and one Spark session, run
 * alternately: the bare job reads the same CSV with the same typed schema and writes Parquet;
 * Duet runs the whole ingest stage (probe, parse, rules, quarantine, dedup-free clean write
 * partitioned by split, statistics, manifest, atomic publish). Prints rows/s and the ratio.
 *
 * Usage (see bench/ingest-vs-bare.sh): IngestBench <rounds>
 */
public class IngestBench {
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path out = Path.of("bench/out");
    Path csv = out.resolve("flights-3m.csv");
    SparkSession spark = SparkSession.builder().appName("duet-bench").master("local[*]")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    if (!Files.exists(csv)) {
      System.out.println("bench: writing " + csv + " from data/flights-3m.parquet (once)");
      Path tmp = out.resolve("csv-tmp");
      // The file's date is a timestamp without zone; written as text explicitly, whatever its type.
      spark.read().parquet("data/flights-3m.parquet")
          .withColumn("date", org.apache.spark.sql.functions.date_format(
              org.apache.spark.sql.functions.col("date"), "yyyy-MM-dd HH:mm:ss"))
          .coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true").csv(tmp.toString());
      try (var files = Files.list(tmp)) {
        Path part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        Files.move(part, csv);
      }
      try (var files = Files.walk(tmp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    long rows = 3_000_000L;
    StructType schema = new StructType()
        .add("date", DataTypes.TimestampType).add("delay", DataTypes.IntegerType)
        .add("distance", DataTypes.IntegerType).add("origin", DataTypes.StringType)
        .add("destination", DataTypes.StringType);

    List<Double> bare = new ArrayList<>();
    List<Double> duet = new ArrayList<>();
    for (int round = 0; round <= rounds; round++) {
      long t0 = System.nanoTime();
      spark.read().schema(schema).option("header", "true").option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
          .csv(csv.toString()).write().mode(SaveMode.Overwrite).parquet(out.resolve("bare").toString());
      double bareSec = (System.nanoTime() - t0) / 1e9;

      long t1 = System.nanoTime();
      StringWriter log = new StringWriter();
      int code = DuetMain.execute(new String[] {"ingest", "--config", System.getProperty("bench.config", "bench/flights-csv.yaml"), "--run-id", "bench",
          "--store", out.resolve("store").toString(), "--force"}, new PrintWriter(log), new PrintWriter(log), spark);
      double duetSec = (System.nanoTime() - t1) / 1e9;
      if (code != 0) {
        throw new IllegalStateException("duet ingest failed: " + log);
      }
      String label = round == 0 ? "warm-up" : "round " + round;
      System.out.printf("bench: %-8s bare %6.1fs (%,9.0f rows/s)   duet %6.1fs (%,9.0f rows/s)   ratio %.2f%n",
          label, bareSec, rows / bareSec, duetSec, rows / duetSec, bareSec / duetSec);
      if (round > 0) {
        bare.add(bareSec);
        duet.add(duetSec);
      }
    }
    double b = median(bare);
    double d = median(duet);
    System.out.printf("bench: median of %d rounds: bare %.1fs (%,.0f rows/s), duet %.1fs (%,.0f rows/s), "
        + "duet/bare throughput ratio %.2f (target >= 0.90)%n", rounds, b, rows / b, d, rows / d, b / d);
    spark.stop();
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
