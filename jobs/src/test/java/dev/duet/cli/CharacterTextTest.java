package dev.duet.cli;

import static dev.duet.testing.Scores.accuracy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text whose signal is in the letters, not the words: generated names, each one word seen once,
 * labelled by their last letter alone. Words carry nothing to an unseen name; character n-grams
 * (train-ml) and a network reading characters (train-dl) find the ending.
 */
class CharacterTextTest {
  @TempDir
  Path tmp;

  @Test
  void characterNgramsAndACharacterLstmReadTheEndingWhereWordsSeeOnlyUnseenNames() throws IOException {
    Path data = tmp.resolve("names.csv");
    StringBuilder csv = new StringBuilder("name,ends_early\n");
    Random random = new Random(17);
    Set<String> seen = new HashSet<>();
    while (seen.size() < 1_600) {
      StringBuilder name = new StringBuilder().append((char) ('A' + random.nextInt(26)));
      for (int i = 4 + random.nextInt(5); i > 0; i--) {
        name.append((char) ('a' + random.nextInt(26)));
      }
      if (seen.add(name.toString())) {
        csv.append(name).append(',').append(name.charAt(name.length() - 1) < 'n' ? 1 : 0).append('\n');
      }
    }
    Files.writeString(data, csv);
    String config = """
        pipeline: names
        task: classification
        label: ends_early
        input: {path: "%s", format: csv}
        columns: [{name: name, type: string}, {name: ends_early, type: int}]
        split: {test_fraction: 0.25, seed: 42}
        train_ml:
          features: {text: [name], vocabulary: %s}
          algorithms: {linear: {regParam: [0.01]}}
        train_dl:
          features: {text: [name]}
          network: lstm
          sequence: {unit: char, max_tokens: 12, vocabulary: 100, embedding: 8, units: 16, bidirectional: true}
          learning_rate: 0.02
          epochs: 4
          patience: 4
          batch_size: 32
        """;
    Path store = tmp.resolve("store");
    String words = config.formatted(data, "{min_doc_freq: 1}");
    assertThat(Cli.duet(tmp, "ingest", words, store, "words").exitCode()).isZero();
    assertThat(Cli.duet(tmp, "train-ml", words, store, "words").exitCode()).isZero();
    Dirs.copyTree(store.resolve("names/words/ingest"), store.resolve("names/chars/ingest"));
    String chars = config.formatted(data, "{words: false, char_ngrams: [1, 3]}");
    Cli ml = Cli.duet(tmp, "train-ml", chars, store, "chars");
    assertThat(ml.exitCode()).as(ml.err()).isZero();
    Cli dl = Cli.duet(tmp, "train-dl", chars, store, "chars");
    assertThat(dl.exitCode()).as(dl.err()).isZero();

    var spark = SparkTestSession.get();
    double majority = spark.read().parquet(store.resolve("names/words/ingest/clean").toString())
        .where("split = 'test'").selectExpr("greatest(avg(ends_early), 1 - avg(ends_early))").first().getDouble(0);
    double byWords = accuracy(spark.read().parquet(store.resolve("names/words/train-ml/predictions/linear").toString()));
    double byNgrams = accuracy(spark.read().parquet(store.resolve("names/chars/train-ml/predictions/linear").toString()));
    double byLstm = accuracy(spark.read().parquet(store.resolve("names/chars/train-dl/predictions/lstm").toString()));
    System.out.printf("names: majority %.4f, words %.4f, character n-grams %.4f, character LSTM %.4f%n", majority,
        byWords, byNgrams, byLstm);
    assertThat(byWords).as("every test name is a word never seen in training").isCloseTo(majority,
        org.assertj.core.data.Offset.offset(0.03));
    assertThat(byNgrams).isGreaterThanOrEqualTo(0.9);
    assertThat(byLstm).isGreaterThanOrEqualTo(0.9);
    JsonNode importances = new ObjectMapper().readTree(store.resolve("names/chars/train-ml/importances.json").toFile());
    assertThat(importances.findValuesAsText("feature")).as("the importances name n-grams, endings first")
        .anyMatch(f -> f.matches("name\\['[a-z] '\\]"));
  }
}
