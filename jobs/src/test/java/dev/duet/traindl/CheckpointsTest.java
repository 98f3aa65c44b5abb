package dev.duet.traindl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.store.Json;
import dev.duet.testing.CrashingFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class CheckpointsTest {
  private static ComputationGraph net;

  @TempDir
  Path tmp;

  @BeforeAll
  static void tinyNetwork() {
    net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
        .addLayer("hidden", new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.RELU).build(), "in")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2)
            .activation(Activation.SOFTMAX).build(), "hidden")
        .setOutputs("out").build());
    net.init();
  }

  @Test
  void aCrashAtAnyStepOfSavingAnEpochLeavesThatEpochOrTheOneBeforeToResumeFrom() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    int crashAt = 0;
    for (boolean crashed = true; crashed; crashAt++) {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("crash-" + crashAt).toUri());
      new Checkpoints(fs, dir).save(net, state(1, 1));
      CrashingFileSystem crashing = new CrashingFileSystem(fs, crashAt);
      try {
        new Checkpoints(crashing, dir).save(net, state(2, 2));
      } catch (RuntimeException e) {
        assertThat(crashing.crashed()).as("failed without the injected crash: %s", e).isTrue();
      }
      crashed = crashing.crashed();

      Checkpoints resumed = new Checkpoints(fs, dir);
      TrainState state = resumed.state().orElseThrow();
      int epoch = state.epoch();
      assertThat(epoch).as("crash at change %d", crashAt).isIn(1, 2);
      if (crashed) {
        assertThat(epoch).as("an epoch whose state was cut short is not resumed from").isEqualTo(
            Files.exists(tmp.resolve("crash-" + crashAt).resolve("state-2.json")) ? 2 : 1);
      }
      assertThat(resumed.network(state.bestEpoch()).numParams()).isEqualTo(net.numParams());
    }
    assertThat(crashAt).as("changes one save makes: every one was crashed").isGreaterThan(2);
  }

  @Test
  void aResumeStateThatCannotBeReadIsAnErrorNamingTheFileNotAFreshStart() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("broken").toUri());
    Checkpoints checkpoints = new Checkpoints(fs, dir);
    checkpoints.save(net, state(1, 1));
    checkpoints.save(net, state(2, 1));
    Path broken = tmp.resolve("broken/state-2.json");
    Files.delete(tmp.resolve("broken/.state-2.json.crc"));
    Files.writeString(broken, "{\"epoch\": 2, \"cur");

    assertThatThrownBy(checkpoints::state).hasMessageContaining("Cannot read the resume state")
        .hasMessageContaining(broken.toString());

    Files.delete(broken);
    assertThat(checkpoints.state().orElseThrow().epoch()).isEqualTo(1);
  }

  private static TrainState state(int epoch, int best) {
    return new TrainState("key", epoch, best, java.util.OptionalDouble.of(0.5), false, java.util.List.of());
  }

  @Test
  void aStateKeepsTheBestEpochAndStopsWhenPatienceRunsOut() {
    TrainState s = TrainState.fresh("key");
    s = s.after(1, Json.object().put("epoch", 1), 0.80, 2, 10);
    s = s.after(2, Json.object().put("epoch", 2), 0.85, 2, 10);
    s = s.after(3, Json.object().put("epoch", 3), 0.84, 2, 10);
    assertThat(s.bestEpoch()).isEqualTo(2);
    assertThat(s.patienceOut(2)).isFalse();
    s = s.after(4, Json.object().put("epoch", 4), 0.83, 2, 10);
    assertThat(s.patienceOut(2)).isTrue();
    assertThat(s.stoppedEarly()).isTrue();
    assertThat(TrainState.fromJson(s.toJson())).isEqualTo(s);
    assertThat(s.curve()).extracting(p -> p.path("epoch").asInt()).containsExactly(1, 2, 3, 4);
  }
}
