package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.NetworkConfig.CategoricalInputs;
import dev.duet.config.NetworkConfig.Network;
import dev.duet.config.NetworkConfig.Schedule;
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
    NetworkConfig dl = ConfigLoader.parse(BASE + """
        train_dl:
          network: cnn
          features: {numeric: ["p{0..3}"]}
          image: {height: 2, width: 2, channels: 1}
        """, "t.yaml").trainDl().orElseThrow().networks().get(0);
    assertThat(dl.name()).as("named by its type").isEqualTo("cnn");
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

  @Test
  void readsSequenceNetworksOverOneTextColumn() {
    TrainDlConfig dl = ConfigLoader.parse(BASE + """
        train_dl:
          features: {text: [code]}
          networks:
            lstm: {sequence: {max_tokens: 50, bidirectional: true}}
            cnn1d: {sequence: {kernel: 3}, hidden: [16]}
        """, "t.yaml").trainDl().orElseThrow();
    NetworkConfig lstm = dl.networks().get(0);
    assertThat(lstm.network()).isEqualTo(Network.LSTM);
    assertThat(lstm.sequence().orElseThrow()).isEqualTo(new NetworkConfig.Sequence("code", NetworkConfig.TextUnit.WORD, 50, 20_000, 64, 64, 5, true));
    assertThat(lstm.hidden()).as("no dense layers after the pooling unless asked").isEmpty();
    assertThat(lstm.columns()).containsExactly("code");
    NetworkConfig cnn1d = dl.networks().get(1);
    assertThat(cnn1d.network()).isEqualTo(Network.CNN1D);
    assertThat(cnn1d.sequence().orElseThrow()).isEqualTo(new NetworkConfig.Sequence("code", NetworkConfig.TextUnit.WORD, 400, 20_000, 64, 128, 3, false));
    assertThat(cnn1d.hidden()).containsExactly(16);
  }

  @Test
  void refusesSequenceNetworksOverNumbersOrWithoutWordsAndTextForTheOthers() {
    assertThatThrownBy(() -> ConfigLoader.parse(BASE + """
        train_dl:
          networks:
            lstm: {features: {numeric: [p0], text: [p1]}, sequence: {max_tokens: 0, kernel: 3}}
            cnn1d: {features: {text: [code, code]}, sequence: {bidirectional: true}}
            mlp: {features: {numeric: [p0], text: [code]}, sequence: {max_tokens: 10}}
        """, "t.yaml")).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot feed numeric or categorical columns to lstm in train_dl.networks.lstm.features: it reads the words"
                + " of one text column (list it under text)",
            "Cannot set train_dl.networks.lstm.sequence.max_tokens to 0: must be positive",
            "Cannot set train_dl.networks.lstm.sequence.kernel for lstm: only a cnn1d has kernels",
            "Cannot use p1 in train_dl.networks.lstm.features.text: it is a double column, not text",
            "train_dl.networks.cnn1d.features.text must name exactly one column for cnn1d, not 2",
            "Cannot set train_dl.networks.cnn1d.sequence.bidirectional for cnn1d: only an lstm reads both ways",
            "Cannot feed the text columns [code] to mlp: it reads numbers; a sequence network reads text (network:"
                + " lstm or cnn1d)",
            "Cannot set train_dl.networks.mlp.sequence for mlp: only lstm and cnn1d read sequences"));
  }

  @Test
  void namedNetworksTakeTheSectionsSettingsAndOverrideThem() {
    TrainDlConfig section = ConfigLoader.parse(BASE + """
        train_dl:
          features: {numeric: ["p{0..3}"], categorical: [code]}
          epochs: 4
          networks:
            mlp: {hidden: [64]}
            wide_mlp:
              hidden: [512, 256]
              batch_norm: true
              epochs: 9
              learning_rate_schedule: exponential
              learning_rate_decay: 0.5
              weight_decay: 0.0001
              features: {numeric: ["p{0..3}"], categorical: [code], categorical_inputs: one_hot}
        """, "t.yaml").trainDl().orElseThrow();
    assertThat(section.networks()).extracting(NetworkConfig::name).containsExactly("mlp", "wide_mlp");
    NetworkConfig mlp = section.network("mlp").orElseThrow();
    NetworkConfig wide = section.network("wide_mlp").orElseThrow();
    assertThat(mlp.network()).isEqualTo(Network.MLP);
    assertThat(mlp.hidden()).containsExactly(64);
    assertThat(mlp.epochs()).as("from the section").isEqualTo(4);
    assertThat(mlp.categoricalInputs()).as("entity embeddings by default").isEqualTo(CategoricalInputs.EMBEDDING);
    assertThat(mlp.batchNorm()).isFalse();
    assertThat(wide.network()).as("an mlp unless it says otherwise").isEqualTo(Network.MLP);
    assertThat(wide.epochs()).isEqualTo(9);
    assertThat(wide.batchNorm()).isTrue();
    assertThat(wide.categoricalInputs()).isEqualTo(CategoricalInputs.ONE_HOT);
    assertThat(wide.schedule().rate(wide.learningRate(), wide.decay(), 3, wide.epochs())).isEqualTo(0.25e-3);
    assertThat(wide.weightDecay()).isEqualTo(1e-4);
    assertThat(Schedule.COSINE.rate(1.0, 0, 1, 4)).isEqualTo(1.0);
    assertThat(Schedule.COSINE.rate(1.0, 0, 3, 4)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aNetworksProblemNamesTheKeyWhereItWasWritten() {
    assertThatThrownBy(() -> ConfigLoader.parse(BASE + """
        train_dl:
          features: {numeric: ["p{0..3}"]}
          epochs: 0
          networks:
            mlp: {dropout: 2, learning_rate_decay: 0.5}
            cnn: {image: {height: 2, width: 2}, hiden: [3]}
            Bad-Name: {}
        """, "t.yaml")).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot set train_dl.epochs to 0: must be positive",
            "Cannot set train_dl.networks.mlp.dropout to 2.0: must be in [0, 1)",
            "train_dl.networks.mlp.learning_rate_decay applies only to learning_rate_schedule: exponential",
            "Unknown key train_dl.networks.cnn.hiden (did you mean 'hidden'?)",
            "Cannot name a network 'Bad-Name' in train_dl.networks: use lower-case letters, digits and '_', starting"
                + " with a letter"));
  }
}
