package dev.duet.traindl;

import dev.duet.config.TrainDlConfig;
import dev.duet.config.TrainDlConfig.Image;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Network configurations from {@code train_dl}: an MLP or a LeNet-style CNN, with a softmax or identity head. */
final class Networks {
  private Networks() {}

  /** @param numClasses classes of a classifier; 0 for a regression (one identity output, MSE) */
  static MultiLayerConfiguration build(TrainDlConfig dl, int inputWidth, int numClasses) {
    NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
        .seed(dl.seed()).updater(new Adam(dl.learningRate())).weightInit(WeightInit.XAVIER).list();
    InputType input;
    if (dl.network() == TrainDlConfig.Network.CNN) {
      Image im = dl.image().orElseThrow();
      layers.layer(new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1).activation(Activation.RELU).build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
          .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1).activation(Activation.RELU).build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
          .layer(dense(500, dl.dropout()));
      input = InputType.convolutionalFlat(im.height(), im.width(), im.channels());
    } else {
      dl.hidden().forEach(width -> layers.layer(dense(width, dl.dropout())));
      input = InputType.feedForward(inputWidth);
    }
    OutputLayer head = numClasses > 0
        ? new OutputLayer.Builder(LossFunction.MCXENT).nOut(numClasses).activation(Activation.SOFTMAX).build()
        : new OutputLayer.Builder(LossFunction.MSE).nOut(1).activation(Activation.IDENTITY).build();
    return layers.layer(head).setInputType(input).build();
  }

  private static DenseLayer dense(int width, double dropout) {
    DenseLayer.Builder b = new DenseLayer.Builder().nOut(width).activation(Activation.RELU);
    if (dropout > 0) {
      b.dropOut(1 - dropout); // DL4J takes the probability of keeping an activation
    }
    return b.build();
  }
}
