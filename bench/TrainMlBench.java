import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.duet.cli.DuetMain;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * MLlib tree baseline on the full flights table: GBT and random forest at the demo settings of
 * conf/flights.yaml (its other algorithms left out), trained by Duet's train-ml stage on all
 * 2.4M train rows. Prints training time, rows/s, executor CPU and test AUC per algorithm: the
 * figures a faster tree engine must beat by 10x at equal AUC.
 *
 * Usage (see bench/train-ml-trees.sh): TrainMlBench
 */
public class TrainMlBench {
  public static void main(String[] args) throws Exception {
    Path out = Path.of("bench/out");
    Files.createDirectories(out);
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode config = (ObjectNode) yaml.readTree(Path.of("conf/flights.yaml").toFile());
    ObjectNode algorithms = (ObjectNode) config.at("/train_ml/algorithms");
    algorithms.retain(List.of("gbt", "random_forest"));
    Path trees = out.resolve("flights-trees.yaml");
    yaml.writeValue(trees.toFile(), config);

    SparkSession spark = SparkSession.builder().appName("duet-bench-train-ml").master("local[*]")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    String store = out.resolve("store").toString();
    PrintWriter console = new PrintWriter(System.out, true);
    run(new String[] {"ingest", "--config", trees.toString(), "--run-id", "bench", "--store", store}, console, spark);
    run(new String[] {"train-ml", "--config", trees.toString(), "--run-id", "bench", "--store", store, "--force"},
        console, spark);

    Path stage = out.resolve("store/flights/bench/train-ml");
    JsonNode summary = new ObjectMapper().readTree(stage.resolve("train-ml.json").toFile());
    long rows = summary.at("/train_rows").asLong();
    System.out.printf("bench: %s, %,d train rows, %,d test rows, %d cores%n", spark.version(), rows,
        summary.at("/test_rows").asLong(), Runtime.getRuntime().availableProcessors());
    for (JsonNode a : summary.at("/algorithms")) {
      String name = a.at("/algorithm").asText();
      double wall = a.at("/cost/train/wall_seconds").asDouble();
      Dataset<Row> p = spark.read().parquet(stage.resolve("predictions/" + name).toString());
      double auc = new BinaryClassificationEvaluator().setRawPredictionCol("raw").evaluate(
          p.withColumn("raw", org.apache.spark.ml.functions.array_to_vector(p.col("probability"))));
      System.out.printf("bench: %-14s %s  train %7.1f s  %,9.0f rows/s  executor CPU %7.1f s  test AUC %.4f%n",
          name, a.at("/best_params"), wall, rows / wall, a.at("/cost/train/executor_cpu_seconds").asDouble(), auc);
    }
    System.out.println("bench: baseline for a tree engine that must train 10x faster at equal AUC");
    spark.stop();
  }

  private static void run(String[] args, PrintWriter console, SparkSession spark) {
    int code = DuetMain.execute(args, console, console, spark);
    if (code != 0) {
      throw new IllegalStateException("duet " + args[0] + " exited " + code);
    }
  }
}
