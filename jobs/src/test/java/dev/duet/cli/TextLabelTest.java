package dev.duet.cli;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A classification label kept as text, as users have it: the shipped penguins pipeline end to end. */
@Tag("sample-data")
class TextLabelTest {
  private static final List<String> SPECIES = List.of("Adelie", "Chinstrap", "Gentoo");
  private final SparkSession spark = SparkTestSession.get();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path tmp;

  @Test
  void aTextLabelIsIndexedOnceByIngestAndEveryOutputNamesItsClasses() throws IOException {
    Path config = Files.writeString(tmp.resolve("penguins.yaml"), TestData.shipped("penguins.yaml"));
    Path store = tmp.resolve("store");
    Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"run", "--config", config.toString(), "--store",
        store.toString(), "--run-id", "t1"}, out, err, spark));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path run = store.resolve("penguins/t1");

    assertThat(read(run.resolve("ingest/quality.json")).at("/label/dictionary")).extracting(JsonNode::asText)
        .containsExactlyElementsOf(SPECIES);
    assertThat(read(run.resolve("ingest/manifest.json")).at("/label_dictionary")).extracting(JsonNode::asText)
        .containsExactlyElementsOf(SPECIES);
    assertThat(spark.read().parquet(run.resolve("ingest/clean").toString()).select("Species").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).as("the clean table keeps the names")
        .containsExactlyInAnyOrderElementsOf(SPECIES);

    for (String predictions : List.of("train-ml/predictions/random_forest", "train-ml/predictions/linear",
        "train-dl/predictions/mlp")) {
      Dataset<Row> p = spark.read().parquet(run.resolve(predictions).toString());
      for (int i = 0; i < SPECIES.size(); i++) {
        assertThat(p.where(col("prediction").equalTo(i)).where(col("predicted_class").notEqual(SPECIES.get(i))).count())
            .as("%s: index %d is %s", predictions, i, SPECIES.get(i)).isZero();
      }
      double accuracy = (double) p.where("label = prediction").count() / p.count();
      System.out.printf("penguins %s: test accuracy %.4f on %d rows%n", predictions, accuracy, p.count());
      assertThat(accuracy).as(predictions).isGreaterThanOrEqualTo(0.9);
    }

    JsonNode report = read(run.resolve("evaluate/report.json"));
    assertThat(report.at("/classes").asInt()).isEqualTo(3);
    assertThat(report.at("/class_names")).extracting(JsonNode::asText).containsExactlyElementsOf(SPECIES);
    assertThat(read(run.resolve("evaluate/metrics.json")).at("/random_forest/per_class"))
        .extracting(c -> c.at("/name").asText()).containsExactlyElementsOf(SPECIES);
    assertThat(Files.readString(run.resolve("evaluate/report.html")))
        .contains("<tr><th>true \\ predicted</th><th>Adelie</th><th>Chinstrap</th><th>Gentoo</th></tr>")
        .contains("<tr><td>Chinstrap</td>");
  }

  private JsonNode read(Path file) throws IOException {
    return json.readTree(file.toFile());
  }
}
