import dev.duet.cli.DuetMain;
import dev.duet.traindl.SavedNetwork;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Scoring throughput against a bare job, in one process and one Spark session, run alternately,
 * on the full 3M raw flights rows: the bare job loads the same saved model with the stock library
 * and writes its predictions as Parquet (MLlib/booster: PipelineModel.transform; the network: its
 * saved encoding and DL4J, date parts taken by Spark); Duet runs the whole score stage (the
 * training run's ingest rules and quarantine, predictions, drift of every column and the
 * prediction against the train split, report, manifest, atomic publish). Prints rows/s and the
 * ratio per model. Trains the models once first (at the shipped settings on 300k train rows;
 * the training size does not change the cost of a prediction).
 *
 * Usage (see bench/score-vs-bare.sh): ScoreBench <rounds> [model...]   (default: gbt xgboost dl:mlp)
 */
public class ScoreBench {
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    Path out = Path.of("bench/out/score");
    Path store = out.resolve("store");
    SparkSession spark = SparkSession.builder().appName("duet-bench").master("local[*]")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    String shipped = Files.readString(Path.of("conf/flights.yaml"));
    // Without the first run's budget: the models below are trained at their settings.
    String config = shipped.substring(0, shipped.indexOf("\ntrain_ml:") + 1).replaceAll("\nbudget: [^\n]*", "") + """
        train_ml:
          features: {categorical: [origin, destination], numeric: [distance], datetime: {date: [hour, weekday, month, day]}}
          max_train_rows: 300000
          algorithms:
            xgboost: {numRound: [300], max_depth: [10], eta: [0.1]}
            gbt: {maxIter: [40], maxDepth: [6]}
        train_dl:
          features:
            numeric: [distance]
            categorical: [origin, destination, hour, weekday, month, day]
          networks:
            mlp: {hidden: [256, 128], batch_norm: true, learning_rate: 0.002, epochs: 2, batch_size: 1024,
                  workers: 2, max_train_rows: 300000}
        """;
    Files.createDirectories(out);
    Path file = Files.writeString(out.resolve("flights.yaml"), config);
    String[] train = {"run", "--config", file.toString(), "--run-id", "trained", "--store", store.toString()};
    if (DuetMain.execute(train, new PrintWriter(System.out, true), new PrintWriter(System.err, true), spark) != 0) {
      throw new IllegalStateException("training the models failed");
    }
    String input = "data/flights-3m.parquet";
    long rows = spark.read().parquet(input).count();
    Map<String, double[]> medians = new LinkedHashMap<>();
    List<String> models = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("gbt", "xgboost", "dl:mlp");
    for (String model : models) {
      List<Double> bare = new ArrayList<>();
      List<Double> duet = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) {
        long t0 = System.nanoTime();
        bare(spark, store, model, input, out.resolve("bare"));
        double bareSec = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        StringWriter log = new StringWriter();
        int code = DuetMain.execute(new String[] {"score", "--config", file.toString(), "--input", input,
            "--model", "trained/" + model, "--run-id", "bench-" + model.replace(':', '-'), "--store", store.toString(),
            "--force"}, new PrintWriter(log), new PrintWriter(log), spark);
        double duetSec = (System.nanoTime() - t1) / 1e9;
        if (code != 0) {
          throw new IllegalStateException("duet score failed: " + log);
        }
        String label = round == 0 ? "warm-up" : "round " + round;
        System.out.printf("bench: %-8s %-8s bare %6.1fs (%,9.0f rows/s)   duet %6.1fs (%,9.0f rows/s)   ratio %.2f%n",
            model, label, bareSec, rows / bareSec, duetSec, rows / duetSec, bareSec / duetSec);
        if (round > 0) {
          bare.add(bareSec);
          duet.add(duetSec);
        }
      }
      medians.put(model, new double[] {median(bare), median(duet)});
    }
    medians.forEach((model, m) -> System.out.printf("bench: %-8s median of %d rounds: bare %.1fs (%,.0f rows/s), duet"
        + " %.1fs (%,.0f rows/s), duet/bare throughput ratio %.2f (target >= 0.80)%n", model, rounds, m[0], rows / m[0],
        m[1], rows / m[1], m[0] / m[1]));
    spark.stop();
  }

  /** The stock library's load and predict of the same rows, written as Parquet. */
  private static void bare(SparkSession spark, Path store, String model, String input, Path target) throws Exception {
    Dataset<Row> raw = spark.read().parquet(input);
    Dataset<Row> predicted;
    if (model.startsWith("dl:")) {
      String name = model.substring(3);
      var path = new org.apache.hadoop.fs.Path(store.resolve("flights/trained/train-dl/networks/" + name + ".zip").toUri());
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      SavedNetwork net = SavedNetwork.load(fs, path, 2);
      Dataset<Row> derived = raw.withColumn("hour", functions.hour(functions.col("date")))
          .withColumn("weekday", functions.pmod(functions.dayofweek(functions.col("date")).plus(5), functions.lit(7)).plus(1))
          .withColumn("month", functions.month(functions.col("date")))
          .withColumn("day", functions.dayofmonth(functions.col("date")))
          .withColumn("row_id", functions.monotonically_increasing_id())
          .withColumn("label", functions.lit(null).cast("double"));
      List<org.apache.spark.sql.Column> in = new ArrayList<>(List.of(functions.col("row_id"), functions.col("label")));
      net.columns().forEach(c -> in.add(functions.col(c)));
      predicted = net.predict(spark, derived.select(in.toArray(org.apache.spark.sql.Column[]::new)));
    } else {
      predicted = PipelineModel.load(store.resolve("flights/trained/train-ml/models/" + model).toString()).transform(raw)
          .select(functions.col("prediction"),
              org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64").as("probability"));
    }
    predicted.write().mode(SaveMode.Overwrite).parquet(target.toString());
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
