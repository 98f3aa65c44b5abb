package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;

/** The configs and outputs the train-dl test classes share. */
final class TrainDlConfigs {
  private TrainDlConfigs() {}

  /**
   * A shipped config on the test-sized data, without the learning curve: its refits are
   * train-dl's work too, and EvaluateCommandTest covers them once.
   */
  static String shipped(String name) {
    String text = TestData.shipped(name);
    assertThat(text).contains("\n  learning_curve: ");
    return text.replaceAll("\n  learning_curve: [^\n]*", "");
  }

  /** The shipped MNIST config with the reference MLP as its one network (the tests vary it). */
  static String mnist() {
    return shipped("mnist.yaml")
        .replaceAll("(?s)\ntrain_dl:.*?\n(?=# The report)", """

        train_dl:
          network: mlp
          features:
            numeric: ["pixel{0..783}"]
            standardize: false
          hidden: [256, 128]
          learning_rate: 0.001
          epochs: 8
          batch_size: 32
          workers: 2
          averaging_frequency: 10
          patience: 3
          validation_fraction: 0.1

        """);
  }

  /** {@link #mnist()} over the digits at half resolution, 14x14 (TestData.halfResolution). */
  static String mnistHalfResolution() {
    return TestData.halfResolution(mnist());
  }

  /** The shipped flights config with a test-size network. */
  static String flights() {
    return shipped("flights.yaml")
        .replaceAll("(?s)\ntrain_dl:.*?\n(?=# The report)", """

        train_dl:
          features: {numeric: [distance], categorical: [origin, destination, hour, weekday, month, day]}
          hidden: [128, 64]
          batch_norm: true
          learning_rate: 0.002
          max_train_rows: 60000
          epochs: 2
          batch_size: 256

        """);
  }

  /** The summary of the stage's {@code i}-th network. */
  static JsonNode network(Path stageOutput, int i) throws IOException {
    return new ObjectMapper().readTree(stageOutput.resolve("train-dl.json").toFile()).at("/networks/" + i);
  }
}
