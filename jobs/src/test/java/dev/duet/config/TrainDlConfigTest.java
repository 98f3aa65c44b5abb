package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.TrainDlConfig.Network;
import org.junit.jupiter.api.Test;

class TrainDlConfigTest {
  private static final String BASE = """
      pipeline: demo
      task: classification
      label: late
      input: {path: data/x.csv, format: csv}
      columns:
        - {name: delay, type: int}
        - {name: code, type: string}
        - {name: "p{0..3}", type: double}
      derive:
        - {name: late, from: delay, above: 15}
      """;

  @Test
  void readsANetworkWithDefaults() {
    TrainDlConfig dl = ConfigLoader.parse(BASE + """
        train_dl:
          network: cnn
          features: {numeric: ["p{0..3}"]}
          image: {height: 2, width: 2, channels: 1}
        """, "t.yaml").trainDl().orElseThrow();
    assertThat(dl.network()).isEqualTo(Network.CNN);
    assertThat(dl.numeric()).hasSize(4);
    assertThat(dl.standardize()).as("a CNN reads pixels as they are").isFalse();
    assertThat(dl.hidden()).containsExactly(256, 128);
    assertThat(dl.epochs()).isEqualTo(6);
    assertThat(dl.batchSize()).isEqualTo(32);
    assertThat(dl.workers()).isEqualTo(2);
  }

  @Test
  void reportsEveryTrainDlProblemAtOnce() {
    assertThatThrownBy(() -> ConfigLoader.parse(BASE + """
        train_dl:
          network: cnn
          features: {numeric: ["p{0..3}", delay, code], categorical: [code]}
          image: {height: 3, width: 3}
          hidden: [64, 0]
          dropout: 1.5
          epochs: 0
        """, "t.yaml")).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot shape 6 numeric columns as a 3x3x1 image (9 pixels): train_dl.image does not match train_dl.features.numeric",
            "Cannot feed categorical columns to a cnn: it reads image pixels only",
            "Cannot set train_dl.hidden to '0': each layer width must be a positive whole number",
            "Cannot set train_dl.dropout to 1.5: must be in [0, 1)",
            "Cannot set train_dl.epochs to 0: must be positive",
            "Cannot use code in train_dl.features.numeric: it is a string column",
            "Column code is listed twice in train_dl.features",
            "Cannot use delay as an input: the label late is derived from it, so the network would read the answer"));
  }
}
