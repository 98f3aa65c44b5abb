package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import dev.duet.testing.WordOrderTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text in both branches: the real SpamAssassin e-mails through TF-IDF models and sequence
 * networks at test size, and a generated task only a reader of word order can solve.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextModelsTest {
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp;
  private Path store;

  @BeforeAll
  void ingestTheSpam() throws IOException {
    store = tmp.resolve("store");
    Cli r = run("ingest", spam(), "r");
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  @Test
  void tfidfModelsAndSequenceNetworksSeparateSpamFromHam() throws IOException {
    Cli ml = run("train-ml", spam(), "r");
    assertThat(ml.exitCode()).as(ml.err()).isZero();
    Cli dl = run("train-dl", spam(), "r");
    assertThat(dl.exitCode()).as(dl.err()).isZero();
    Dataset<Row> clean = spark.read().parquet(store.resolve("spam/r/ingest/clean").toString());
    long test = clean.where("split = 'test'").count();
    assertThat(clean.count()).as("every e-mail is kept, 500 of them with undecodable bytes").isEqualTo(6046);

    List<String> models = List.of("train-ml/predictions/linear", "train-ml/predictions/naive_bayes",
        "train-dl/predictions/lstm", "train-dl/predictions/cnn1d");
    for (String m : models) {
      Dataset<Row> p = spark.read().parquet(store.resolve("spam/r/" + m).toString());
      assertThat(p.count()).as(m + " predicts every test row").isEqualTo(test);
      assertThat(p.select("row_id").distinct().count()).as(m + " predicts each once").isEqualTo(test);
      System.out.printf("spam at test size: %s test accuracy %.4f%n", m, accuracy(p));
    }
    assertThat(accuracy("train-ml/predictions/linear")).as("TF-IDF logistic regression").isGreaterThanOrEqualTo(0.95);
    assertThat(accuracy("train-ml/predictions/naive_bayes")).as("naive Bayes").isGreaterThanOrEqualTo(0.90);
    assertThat(accuracy("train-dl/predictions/lstm")).as("LSTM").isGreaterThanOrEqualTo(0.90);

    // A user scores raw rows with stock Spark: the tokenizer, vocabulary and IDF are in the model.
    PipelineModel model = PipelineModel.load(store.resolve("spam/r/train-ml/models/linear").toString());
    Dataset<Row> scored = model.transform(clean.where("split = 'test'").select("id", "text").limit(200));
    assertThat(scored.where("prediction IS NULL").count()).isZero();
    assertThat(scored.count()).isEqualTo(200);

    // Importances name terms of the text, as the tokenizer cut them.
    JsonNode importances = new ObjectMapper().readTree(store.resolve("spam/r/train-ml/importances.json").toFile());
    for (String algorithm : List.of("linear", "naive_bayes")) {
      JsonNode top = importances.at("/" + algorithm + "/top_features");
      assertThat(top).hasSizeGreaterThanOrEqualTo(10);
      List<String> terms = new ArrayList<>();
      top.forEach(f -> terms.add(f.path("feature").asText()));
      assertThat(terms).allSatisfy(t -> assertThat(t).matches("text\\[[\\p{L}\\p{N}]{2,}]"));
      assertThat(terms.stream().filter(t -> t.matches("text\\[.*\\p{L}.*]")).count())
          .as(algorithm + ": mostly words, not numbers: " + terms).isGreaterThanOrEqualTo(terms.size() * 3 / 4);
    }
  }

  @Test
  void theLstmReadsWordOrderThatABagOfWordsCannotSee() throws IOException {
    String config = WordOrderTask.config(tmp.resolve("order.jsonl"), 3000, 7,
        "{linear: {regParam: [0.01], maxIter: [50]}}");
    assertThat(run("ingest", config, "o").exitCode()).isZero();
    Cli ml = run("train-ml", config, "o");
    assertThat(ml.exitCode()).as(ml.err()).isZero();
    Cli dl = run("train-dl", config, "o");
    assertThat(dl.exitCode()).as(dl.err()).isZero();
    double bag = accuracy(spark.read().parquet(store.resolve("order/o/train-ml/predictions/linear").toString()));
    double lstm = accuracy(spark.read().parquet(store.resolve("order/o/train-dl/predictions/lstm").toString()));
    System.out.printf("word order: TF-IDF logistic regression %.4f, LSTM %.4f%n", bag, lstm);
    assertThat(bag).as("the same words either way: a bag of words guesses").isBetween(0.4, 0.62);
    assertThat(lstm).as("the LSTM reads which word came first").isGreaterThanOrEqualTo(bag + 0.25);
  }

  private double accuracy(String predictions) {
    return accuracy(spark.read().parquet(store.resolve("spam/r/" + predictions).toString()));
  }

  private static double accuracy(Dataset<Row> p) {
    return (double) p.where("label = prediction").count() / p.count();
  }

  /** The shipped spam config at test size: fewer rows, a smaller vocabulary, short sequences. */
  private static String spam() throws IOException {
    String shipped = TestData.shipped("spam.yaml");
    assertThat(shipped).contains("\ntrain_ml:").contains("\ntrain_dl:").contains("\nevaluate:");
    return shipped.substring(0, shipped.indexOf("\ntrain_ml:")) + """

        train_ml:
          features:
            text: [text]
            vocabulary: {size: 5000, min_doc_freq: 2}
          max_train_rows: 2500
          algorithms:
            linear: {regParam: [0.01], maxIter: [50]}
            naive_bayes: {smoothing: [1.0]}
        train_dl:
          features: {text: [text]}
          max_train_rows: 1500
          batch_size: 32
          workers: 2
          averaging_frequency: 5
          networks:
            lstm:
              sequence: {max_tokens: 120, vocabulary: 5000, embedding: 32, units: 32}
              learning_rate: 0.005
              epochs: 3
              patience: 3
            cnn1d:
              sequence: {max_tokens: 120, vocabulary: 5000, embedding: 32, units: 64, kernel: 5}
              learning_rate: 0.002
              epochs: 2
              patience: 2
        """;
  }

  private Cli run(String stage, String config, String runId) throws IOException {
    return Cli.duet(tmp, stage, config, store, runId);
  }
}
