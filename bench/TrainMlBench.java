import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.duet.cli.DuetMain;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Gradient boosting on the full flights table (2.4M train rows, 600k test rows), every engine
 * trained by Duet's train-ml stage on the same feature pipeline (airports indexed, distance,
 * hour/weekday/month/day of the date):
 *   1. MLlib GBT, XGBoost and LightGBM at the same rounds and depth (40 x 6), boosters at their
 *      default and at a larger learning rate; the boosters run before and after MLlib (alternating),
 *      so neither side gets the warm JVM;
 *   2. the boosters at 40 x 6 with airports as ordered numbers instead of category sets;
 *   3. each booster at settings that buy AUC (more, deeper trees).
 * Prints train seconds (fit only, from train-ml.json), executor CPU (Spark task threads: LightGBM's
 * own OpenMP threads are not counted), test AUC, and the speed ratio against MLlib GBT.
 *
 * Usage (see bench/train-ml-trees.sh): TrainMlBench
 */
public class TrainMlBench {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path OUT = Path.of("bench/out");
  private static final String STORE = OUT.resolve("store").toString();

  record Result(String label, JsonNode params, double trainSeconds, double cpuSeconds, double auc) {}

  public static void main(String[] args) throws Exception {
    Files.createDirectories(OUT);
    SparkSession spark = SparkSession.builder().appName("duet-bench-train-ml").master("local[*]")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    PrintWriter console = new PrintWriter(System.out, true);
    Path base = config("base", "{gbt: {maxIter: [1]}}");
    run(console, spark, "ingest", base);

    List<Result> results = new ArrayList<>();
    String sameShape = "xgboost: {numRound: [40], max_depth: [6], eta: [0.3]},"
        + " lightgbm: {numIterations: [40], maxDepth: [6], numLeaves: [63], learningRate: [0.3]}";
    results.addAll(round(console, spark, "boosters-first", "{" + sameShape + "}", " (before MLlib)"));
    results.addAll(round(console, spark, "mllib", "{gbt: {maxIter: [40], maxDepth: [6]}}", ""));
    results.addAll(round(console, spark, "boosters-after", "{" + sameShape + "}", " (after MLlib)"));
    results.addAll(round(console, spark, "default-rates", "{xgboost: {numRound: [40], max_depth: [6]},"
        + " lightgbm: {numIterations: [40], maxDepth: [6], numLeaves: [63]}}", " (default learning rate)"));
    results.addAll(round(console, spark, "ordinal", "{xgboost: {numRound: [40], max_depth: [6], eta: [0.3],"
        + " categorical: ordinal}, lightgbm: {numIterations: [40], maxDepth: [6], numLeaves: [63],"
        + " learningRate: [0.3], categorical: ordinal}}", " (airports ordinal)"));
    results.addAll(round(console, spark, "deeper", "{xgboost: {numRound: [300], max_depth: [10], eta: [0.1]},"
        + " lightgbm: {numIterations: [300], maxDepth: [10], numLeaves: [511], learningRate: [0.1]}}",
        " (more, deeper trees)"));

    Result gbt = results.stream().filter(r -> r.label().startsWith("gbt")).findFirst().orElseThrow();
    System.out.printf("bench: %s, %d cores, full flights split%n", spark.version(),
        Runtime.getRuntime().availableProcessors());
    System.out.printf("bench: %-42s %-70s %8s %9s %8s %8s%n", "engine", "settings", "train s", "exec CPU", "AUC",
        "speed");
    for (Result r : results) {
      System.out.printf("bench: %-42s %-70s %8.1f %9.1f %8.4f %7.1fx%n", r.label(), r.params(), r.trainSeconds(),
          r.cpuSeconds(), r.auc(), gbt.trainSeconds() / r.trainSeconds());
    }
    System.out.printf("bench: targets: >= 10x MLlib GBT's speed at AUC >= %.4f; AUC >= %.4f in under %.1f s%n",
        gbt.auc() - 0.005, gbt.auc() + 0.05, gbt.trainSeconds());
    spark.stop();
  }

  /** One train-ml run of the given algorithms on the ingested table; their fit cost and test AUC. */
  private static List<Result> round(PrintWriter console, SparkSession spark, String name, String algorithms,
      String suffix) throws Exception {
    run(console, spark, "train-ml", config(name, algorithms));
    Path stage = OUT.resolve("store/flights/bench/train-ml");
    JsonNode summary = JSON.readTree(stage.resolve("train-ml.json").toFile());
    List<Result> out = new ArrayList<>();
    for (JsonNode a : summary.at("/algorithms")) {
      String algorithm = a.at("/algorithm").asText();
      Dataset<Row> p = spark.read().parquet(stage.resolve("predictions/" + algorithm).toString());
      double auc = new BinaryClassificationEvaluator().setRawPredictionCol("raw").evaluate(
          p.withColumn("raw", org.apache.spark.ml.functions.array_to_vector(p.col("probability"))));
      Result r = new Result(algorithm + suffix, a.at("/best_params"), a.at("/cost/train/wall_seconds").asDouble(),
          a.at("/cost/train/executor_cpu_seconds").asDouble(), auc);
      System.out.printf("bench: %s: train %.1f s, test AUC %.4f%n", r.label(), r.trainSeconds(), r.auc());
      out.add(r);
    }
    return out;
  }

  /** conf/flights.yaml with its train_ml algorithms replaced (YAML flow mapping). */
  private static Path config(String name, String algorithms) throws Exception {
    ObjectNode config = (ObjectNode) YAML.readTree(Path.of("conf/flights.yaml").toFile());
    ObjectNode ml = (ObjectNode) config.get("train_ml");
    ml.set("algorithms", YAML.readTree(algorithms));
    ml.remove("max_train_rows");
    config.remove("train_dl");
    config.remove("evaluate");
    config.remove("budget"); // each engine at its settings, timed in full
    Path file = OUT.resolve("flights-" + name + ".yaml");
    YAML.writeValue(file.toFile(), config);
    return file;
  }

  private static void run(PrintWriter console, SparkSession spark, String stage, Path config) {
    String[] args = stage.equals("ingest")
        ? new String[] {stage, "--config", config.toString(), "--run-id", "bench", "--store", STORE}
        : new String[] {stage, "--config", config.toString(), "--run-id", "bench", "--store", STORE, "--force"};
    int code = DuetMain.execute(args, console, console, spark);
    if (code != 0) {
      throw new IllegalStateException("duet " + stage + " exited " + code);
    }
  }
}
