package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.MessyCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark-submit form as users run it: the per-stage wrappers in deploy/stages (with the cpu
 * profile) calling Spark's own SparkSubmit on a classpath of Spark's jars only, submitting the
 * shaded duet-jobs-all.jar. Proves the jar carries everything Duet needs beyond Spark and that the
 * main class works under spark-submit.
 */
class SparkSubmitIT {
  @TempDir
  Path tmp;

  @Test
  void everyStageRunsFromTheShadedJarThroughItsSparkSubmitWrapper() throws Exception {
    Path jar = Path.of(System.getProperty("duet.shaded.jar"));
    assertThat(jar).exists();
    MessyCsv csv = MessyCsv.write(tmp.resolve("messy.csv"), 3_000, 100, 5);
    Path conf = Files.writeString(tmp.resolve("messy.yaml"), String.format(MessyCsv.CONFIG, csv.file) + MessyCsv.TRAIN_ML + MessyCsv.TRAIN_DL);
    Path store = tmp.resolve("store");

    String ingest = submit(jar, "ingest", "--config", conf.toString(), "--run-id", "submit-1", "--store", store.toString());
    assertThat(ingest).contains("ingest: read " + String.format("%,d", csv.total()) + " rows");
    JsonNode q = new ObjectMapper().readTree(store.resolve("messy/submit-1/ingest/quality.json").toFile());
    assertThat(q.at("/rows/clean").asLong()).isEqualTo(3_000);
    JsonNode manifest = new ObjectMapper().readTree(store.resolve("messy/submit-1/ingest/manifest.json").toFile());
    assertThat(manifest.at("/executor/spark_master").asText()).isEqualTo("local[2]");

    String trainMl = submit(jar, "train-ml", "--config", conf.toString(), "--store", store.toString());
    assertThat(trainMl).as("the latest ingested run is the default").contains("output in file:" + store.resolve("messy/submit-1/train-ml"));
    Path out = store.resolve("messy/submit-1/train-ml");
    assertThat(out.resolve("_SUCCESS")).exists();
    for (String a : List.of("random_forest", "linear", "knn")) {
      assertThat(out.resolve("predictions/" + a)).isDirectory();
      assertThat(out.resolve("models/" + a)).isDirectory();
    }

    String trainDl = submit(jar, "train-dl", "--config", conf.toString(), "--store", store.toString());
    assertThat(trainDl).contains("train-dl: mlp: 1 epochs");
    assertThat(store.resolve("messy/submit-1/train-dl/networks/mlp.zip")).isRegularFile();
    assertThat(store.resolve("messy/submit-1/train-dl/predictions/mlp")).isDirectory();

    String evaluate = submit(jar, "evaluate", "--config", conf.toString(), "--store", store.toString());
    // The label (amount above 500) is independent of every feature: no model learns it, and evaluate says so.
    assertThat(evaluate).contains("evaluate: 4 models").contains("evaluate: No model learned anything useful")
        .contains("evaluate: report: file:" + store.resolve("messy/submit-1/evaluate/report.html"));
    assertThat(Files.readString(store.resolve("messy/submit-1/evaluate/report.html"))).contains("data:image/png;base64,");
  }

  /** Runs one stage by its deploy/stages wrapper on deploy/spark-home (Spark's SparkSubmit on Spark's jars). */
  private String submit(Path jar, String stage, String... args) throws Exception {
    Path root = Path.of(System.getProperty("duet.root"));
    List<String> cmd = new ArrayList<>(List.of(root.resolve("deploy/stages/" + stage + ".sh").toString()));
    cmd.addAll(List.of(args));
    Path log = tmp.resolve(stage + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(Map.of("SPARK_HOME", root.resolve("deploy/spark-home").toString(),
        "SPARK_MASTER", "local[2]", "SPARK_PROFILE", "cpu", // no GPU here: train-dl on the CPU backend
        "SPARK_SUBMIT_ARGS", "--conf spark.ui.enabled=false --conf spark.driver.host=127.0.0.1",
        "SPARK_SUBMIT_JAVA_OPTS", "-Xmx2g " + dev.duet.testing.TestJvm.SHORT_STAGE, "DUET_JAR", jar.toString(), "JAVA_HOME", System.getProperty("java.home")));
    Process p = pb.start();
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    String output = Files.readString(log);
    assertThat(ended).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }
}
