package dev.duet.traindl;

import dev.duet.config.NetworkConfig;
import dev.duet.config.NetworkConfig.Image;
import dev.duet.config.NetworkConfig.Network;
import dev.duet.config.NetworkConfig.Sequence;
import dev.duet.traindl.InputEncoding.Embedding;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Network configurations from a {@link NetworkConfig}, as DL4J computation graphs with one output:
 * an MLP, whose categorical inputs each pass through their own entity embedding (each reads its
 * own graph input, the value's index) before the dense layers, a LeNet-style CNN, or a sequence
 * network over word ids ({@link #sequence}); a softmax or identity head. The inputs are
 * {@link #inputs}, in the order {@link Minibatches#features} fills them.
 */
final class Networks {
  static final String INPUT = "input";
  static final String OUTPUT = "output";

  private Networks() {}

  /** The graph's inputs: the numeric (or one-hot, or pixel) columns, then one per embedded categorical. */
  static List<String> inputs(InputEncoding encoding) {
    List<String> names = new ArrayList<>();
    if (encoding.embeddings().isEmpty() || encoding.numericWidth() > 0) {
      names.add(INPUT);
    }
    encoding.embeddings().forEach(e -> names.add("index_" + e.slot()));
    return names;
  }

  /** @param numClasses classes of a classifier; 0 for a regression (one identity output, MSE) */
  static ComputationGraphConfiguration build(NetworkConfig dl, InputEncoding encoding, int numClasses) {
    NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(dl.seed())
        .updater(new Adam(dl.learningRate())).weightInit(WeightInit.XAVIER);
    if (dl.weightDecay() > 0) {
      base.weightDecay(dl.weightDecay()); // decoupled from the gradient, weights only (DL4J's WeightDecay regulariser)
    }
    GraphBuilder g = base.graphBuilder().addInputs(inputs(encoding));
    String last;
    int headIn = 0; // 0: from the input types
    if (dl.network().readsSequences()) {
      headIn = sequence(g, dl, encoding);
      last = "pooled";
      for (int i = 0; i < dl.hidden().size(); i++) {
        last = dense(g, "dense" + i, headIn, dl.hidden().get(i), dl, last);
        headIn = dl.hidden().get(i);
      }
    } else if (dl.network() == NetworkConfig.Network.CNN) {
      Image im = dl.image().orElseThrow();
      g.addLayer("conv1", new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1).activation(Activation.RELU).build(),
              INPUT)
          .addLayer("pool1", pool(), "conv1")
          .addLayer("conv2", new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1).activation(Activation.RELU).build(),
              "pool1")
          .addLayer("pool2", pool(), "conv2");
      last = dense(g, "dense", 0, 500, dl, "pool2"); // nIn from the input types below
      g.setInputTypes(InputType.convolutionalFlat(im.height(), im.width(), im.channels()));
    } else {
      // Widths set by hand: input-type inference would set each embedding's nIn (its number of
      // indices) to the width of its one-slot input.
      last = INPUT;
      int width = encoding.width();
      List<Embedding> embeddings = encoding.embeddings();
      if (!embeddings.isEmpty()) {
        List<String> merged = new ArrayList<>();
        if (encoding.numericWidth() > 0) {
          merged.add(INPUT);
        }
        for (Embedding e : embeddings) {
          String name = "embed_" + e.slot();
          g.addLayer(name, new EmbeddingLayer.Builder().nIn(e.indices()).nOut(e.width())
              .activation(Activation.IDENTITY).build(), "index_" + e.slot());
          merged.add(name);
        }
        g.addVertex("merged", new MergeVertex(), merged.toArray(String[]::new));
        last = "merged";
        width = encoding.numericWidth() + embeddings.stream().mapToInt(Embedding::width).sum();
      }
      for (int i = 0; i < dl.hidden().size(); i++) {
        last = dense(g, "dense" + i, width, dl.hidden().get(i), dl, last);
        width = dl.hidden().get(i);
      }
      headIn = width;
    }
    OutputLayer head = numClasses > 0
        ? new OutputLayer.Builder(LossFunction.MCXENT).nIn(headIn).nOut(numClasses).activation(Activation.SOFTMAX).build()
        : new OutputLayer.Builder(LossFunction.MSE).nIn(headIn).nOut(1).activation(Activation.IDENTITY).build();
    return g.addLayer(OUTPUT, head, last).setOutputs(OUTPUT).build();
  }

  /**
   * Word ids → embeddings [batch, width, steps] → an LSTM (both ways when asked) or a same-length
   * 1-D convolution (ReLU) → max over the steps that hold words (the mask) as "pooled"; its width.
   */
  private static int sequence(GraphBuilder g, NetworkConfig dl, InputEncoding encoding) {
    Sequence q = dl.sequence().orElseThrow();
    g.addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(encoding.wordIds()).nOut(q.embedding()).build(), INPUT);
    int width;
    if (dl.network() == Network.LSTM) {
      LSTM lstm = new LSTM.Builder().nIn(q.embedding()).nOut(q.units()).activation(Activation.TANH).build();
      g.addLayer("lstm", q.bidirectional() ? new Bidirectional(Bidirectional.Mode.CONCAT, lstm) : lstm, "embed");
      width = q.bidirectional() ? 2 * q.units() : q.units();
    } else {
      g.addLayer("conv", new Convolution1DLayer.Builder().kernelSize(q.kernel()).nIn(q.embedding())
          .nOut(q.units()).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "embed");
      width = q.units();
    }
    g.addLayer("pooled", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(),
        dl.network() == Network.LSTM ? "lstm" : "conv");
    return width;
  }

  private static SubsamplingLayer pool() {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
  }

  /**
   * A ReLU layer of {@code width} after {@code from} (batch-normalised before the activation when
   * asked); its name. {@code nIn} 0: from the input types.
   */
  private static String dense(GraphBuilder g, String name, int nIn, int width, NetworkConfig dl, String from) {
    DenseLayer.Builder b = new DenseLayer.Builder().nIn(nIn).nOut(width)
        .activation(dl.batchNorm() ? Activation.IDENTITY : Activation.RELU);
    if (dl.dropout() > 0) {
      b.dropOut(1 - dl.dropout()); // DL4J takes the probability of keeping an activation
    }
    g.addLayer(name, b.build(), from);
    if (!dl.batchNorm()) {
      return name;
    }
    g.addLayer(name + "_bn", new BatchNormalization.Builder().nIn(width).nOut(width).build(), name)
        .addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
    return name + "_relu";
  }
}
