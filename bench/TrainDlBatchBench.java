import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference MLP (784-256-128-10, ReLU, Adam 1e-3, Xavier) fitted by DL4J on one network, on
 * the MNIST split that bench/train-dl-mlp.sh ingested, at each batch size given; the ND4J build
 * is whichever nd4j-native jar the classpath holds (bench/train-dl-torch.sh runs this once per
 * build). Writes samples/s and test accuracy per batch size as JSON.
 *
 * Usage: TrainDlBatchBench <build name> <epochs> <out.json> <batch,batch,...>
 */
public class TrainDlBatchBench {
  public static void main(String[] args) throws Exception {
    String build = args[0];
    int epochs = Integer.parseInt(args[1]);
    Path out = Path.of(args[2]);
    SparkSession spark = SparkSession.builder().appName("duet-bench-train-dl-batch").master("local[1]")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    Dataset<Row> clean = spark.read().parquet("bench/out/store/mnist/bench/ingest/clean");
    List<Row> trainRows = clean.where("split = 'train'").orderBy(org.apache.spark.sql.functions.rand(42)).collectAsList();
    List<DataSet> test = batches(clean.where("split = 'test'").collectAsList(), 512);
    spark.stop();
    System.out.printf("bench: ND4J build %s (%s), OMP_NUM_THREADS %s%n", build,
        Nd4j.getExecutioner().getEnvironmentInformation().getProperty("blas.vendor", "?"),
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
    StringBuilder json = new StringBuilder("{\"build\": \"" + build + "\", \"epochs\": " + epochs + ", \"batches\": {");
    String sep = "";
    // One untimed epoch first: JIT compilation and native warm-up would otherwise count against the first batch size.
    MultiLayerNetwork warmUp = mlp();
    batches(trainRows, 64).forEach(warmUp::fit);
    for (String b : args[3].split(",")) {
      int batch = Integer.parseInt(b.trim());
      List<DataSet> train = batches(trainRows, batch);
      MultiLayerNetwork net = mlp();
      long t0 = System.nanoTime();
      for (int e = 0; e < epochs; e++) {
        for (DataSet ds : train) {
          net.fit(ds);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double rate = (double) trainRows.size() * epochs / seconds;
      double accuracy = accuracy(net, test);
      System.out.printf(Locale.ROOT, "bench: DL4J %-22s batch %4d  %6.1f s  %,8.0f samples/s  test accuracy %.4f%n",
          build, batch, seconds, rate, accuracy);
      json.append(sep).append(String.format(Locale.ROOT, "\"%d\": {\"seconds\": %.3f, \"samples_per_second\": %.1f,"
          + " \"accuracy\": %.4f}", batch, seconds, rate, accuracy));
      sep = ", ";
    }
    Files.writeString(out, json.append("}}\n").toString());
  }

  private static MultiLayerNetwork mlp() {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(42)
        .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
        .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.feedForward(784)).build());
    net.init();
    return net;
  }

  private static List<DataSet> batches(List<Row> rows, int batch) {
    List<DataSet> out = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += batch) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + batch));
      float[][] x = new float[chunk.size()][784];
      float[][] y = new float[chunk.size()][10];
      for (int r = 0; r < chunk.size(); r++) {
        Row row = chunk.get(r);
        y[r][row.<Integer>getAs("label")] = 1f;
        for (int i = 0; i < 784; i++) {
          x[r][i] = (float) row.<Double>getAs("pixel" + i).doubleValue();
        }
      }
      out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
    }
    return out;
  }

  private static double accuracy(MultiLayerNetwork net, List<DataSet> test) {
    long right = 0;
    long all = 0;
    for (DataSet ds : test) {
      right += net.output(ds.getFeatures()).argMax(1).eq(ds.getLabels().argMax(1)).castTo(DataType.INT).sumNumber()
          .longValue();
      all += ds.numExamples();
    }
    return (double) right / all;
  }
}
