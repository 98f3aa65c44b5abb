package dev.duet.traindl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.junit.jupiter.api.Test;

/**
 * ND4J's AVX2 build and the generic build the jar ships compute the same network: each JVM
 * trains a seeded graph shaped like train-dl's (an embedding beside dense inputs) for a few steps
 * on the same data and prints its predictions; they agree within float tolerance.
 */
class Nd4jBuildsIT {
  private static final String GENERIC_SUFFIX = "-linux-x86_64.jar";

  @Test
  void theAvx2BuildPredictsWhatTheGenericBuildPredicts() throws Exception {
    Path avx2 = Path.of(System.getProperty("duet.nd4j.avx2.jar"));
    assertThat(avx2).isRegularFile();
    List<String> classpath = new ArrayList<>(List.of("target/classes", "target/test-classes"));
    classpath.addAll(Arrays.asList(Files.readString(Path.of("target/launcher-classpath.txt")).trim().split(":")));
    String generic = String.join(":", classpath);
    String generic2 = classpath.stream().map(e -> e.contains("nd4j-native-") && e.endsWith(GENERIC_SUFFIX)
        ? avx2.toString() : e).reduce((a, b) -> a + ":" + b).orElseThrow();
    assertThat(generic2).as("the generic native jar is on the classpath").isNotEqualTo(generic);

    Run base = run(generic);
    Run fast = run(generic2);
    assertThat(base.log()).contains("linux-x86_64/libnd4jcpu.so");
    assertThat(fast.log()).as("the AVX2 build loaded").contains("linux-x86_64-avx2/libnd4jcpu.so");
    assertThat(fast.values()).hasSameSizeAs(base.values());
    double worst = 0;
    for (int i = 0; i < base.values().length; i++) {
      worst = Math.max(worst, Math.abs(base.values()[i] - fast.values()[i]));
    }
    System.out.printf("generic vs AVX2 build: %d probabilities, largest difference %.2e%n", base.values().length, worst);
    assertThat(worst).isLessThan(1e-4);
  }

  private record Run(double[] values, String log) {}

  private static Run run(String classpath) throws IOException, InterruptedException {
    Path out = Files.createTempFile("nd4j-build", ".txt");
    Path log = Files.createTempFile("nd4j-build", ".log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.bytedeco.javacpp.logger.debug=true", "-cp", classpath, Nd4jBuildsIT.class.getName())
        .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String errors = Files.readString(log);
    assertThat(p.exitValue()).as(errors).isZero();
    double[] values = Arrays.stream(Files.readString(out).trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
    return new Run(values, errors);
  }

  /** The forked JVM: trains the seeded graph for a few steps and prints its softmax outputs. */
  public static void main(String[] args) {
    Nd4j.getRandom().setSeed(7);
    ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(42)
        .updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).graphBuilder()
        .addInputs("input", "index")
        .addLayer("embed", new EmbeddingLayer.Builder().nIn(20).nOut(6).build(), "index")
        .addVertex("merged", new MergeVertex(), "input", "embed")
        .addLayer("dense", new DenseLayer.Builder().nIn(38).nOut(64).activation(Activation.RELU).build(), "merged")
        .addLayer("output", new OutputLayer.Builder(LossFunction.MCXENT).nIn(64).nOut(3).activation(Activation.SOFTMAX)
            .build(), "dense")
        .setOutputs("output").build());
    graph.init();
    INDArray x = Nd4j.rand(DataType.FLOAT, 256, 32);
    INDArray index = Nd4j.rand(DataType.FLOAT, 256, 1).muli(20).castTo(DataType.INT).castTo(DataType.FLOAT);
    INDArray labels = Nd4j.zeros(DataType.FLOAT, 256, 3);
    for (int r = 0; r < 256; r++) {
      labels.putScalar(r, (int) (x.getDouble(r, 0) * 3), 1);
    }
    MultiDataSet data = new MultiDataSet(new INDArray[] {x, index}, new INDArray[] {labels});
    for (int step = 0; step < 20; step++) {
      graph.fit(data);
    }
    StringBuilder out = new StringBuilder();
    for (double v : graph.output(x, index)[0].ravel().toDoubleVector()) {
      out.append(v).append('\n');
    }
    System.out.print(out);
  }
}
