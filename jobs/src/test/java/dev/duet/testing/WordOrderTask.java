package dev.duet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated text task only a reader of word order can solve: rows of filler words holding both
 * "alpha" and "omega", labelled by whether alpha comes first. Both orders hold the same words, so
 * a bag of words cannot tell them apart.
 */
public final class WordOrderTask {
  private WordOrderTask() {}

  /**
   * Writes {@code rows} generated rows to {@code data} (JSON lines) and returns the pipeline
   * config "order" over them: {@code trainMlAlgorithms} on TF-IDF terms, a small LSTM.
   */
  public static String config(Path data, int rows, long seed, String trainMlAlgorithms) throws IOException {
    Files.write(data, lines(rows, seed));
    return """
        pipeline: order
        task: classification
        label: first
        input: {path: "%s", format: json}
        columns:
          - {name: text, type: string, nulls: quarantine}
          - {name: first, type: int, nulls: quarantine, allowed: [0, 1]}
        split: {test_fraction: 0.25, seed: 42}
        train_ml:
          features: {text: [text], vocabulary: {size: 1000, min_doc_freq: 2}}
          algorithms: %s
        train_dl:
          features: {text: [text]}
          network: lstm
          sequence: {max_tokens: 30, vocabulary: 1000, embedding: 16, units: 32}
          learning_rate: 0.01
          epochs: 4
          patience: 4
          batch_size: 32
          workers: 2
          averaging_frequency: 5
        """.formatted(data, trainMlAlgorithms);
  }

  private static List<String> lines(int rows, long seed) {
    Random random = new Random(seed);
    String[] filler = {"red", "green", "blue", "cat", "dog", "sun", "moon", "tree", "river", "stone", "wind", "fire"};
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      List<String> words = new ArrayList<>();
      int n = 6 + random.nextInt(10);
      for (int w = 0; w < n; w++) {
        words.add(filler[random.nextInt(filler.length)]);
      }
      int a = random.nextInt(n + 1);
      int b = random.nextInt(n + 1);
      boolean alphaFirst = random.nextBoolean();
      words.add(Math.min(a, b), alphaFirst ? "alpha" : "omega");
      words.add(Math.max(a, b) + 1, alphaFirst ? "omega" : "alpha");
      lines.add("{\"text\": \"" + String.join(" ", words) + "\", \"first\": " + (alphaFirst ? 1 : 0) + "}");
    }
    return lines;
  }
}
