import dev.duet.cli.DuetMain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference MLP (784-256-128-10, ReLU, Adam 1e-3, batch 32) on MNIST's train split from
 * Duet's ingest, the same minibatches and epochs two ways in one JVM: DL4J's own fit on one
 * local network, and SparkDl4jMultiLayer with parameter averaging over 2 workers (local[2],
 * averaging every 10 minibatches). Prints samples/s, test accuracy and the speed-up.
 *
 * Usage (see bench/train-dl-mlp.sh): TrainDlBench [epochs]
 */
public class TrainDlBench {
  public static void main(String[] args) throws Exception {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int batch = 32;
    SparkSession spark = SparkSession.builder().appName("duet-bench-train-dl").master("local[2]")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    String store = Path.of("bench/out/store").toString();
    int code = DuetMain.execute(new String[] {"ingest", "--config", "conf/mnist.yaml", "--run-id", "bench", "--store",
        store}, new PrintWriter(System.out, true), new PrintWriter(System.err, true), spark);
    if (code != 0) {
      throw new IllegalStateException("ingest failed");
    }
    Dataset<Row> clean = spark.read().parquet(store + "/mnist/bench/ingest/clean");
    // Shuffled once (seeded): the digits are stored one class after another.
    List<DataSet> train = batches(clean.where("split = 'train'").orderBy(org.apache.spark.sql.functions.rand(42))
        .collectAsList(), batch);
    List<DataSet> test = batches(clean.where("split = 'test'").collectAsList(), 512);
    long samples = train.stream().mapToLong(DataSet::numExamples).sum() * epochs;
    System.out.printf("bench: %d train minibatches of %d, %d epochs, %d CPU cores, OMP_NUM_THREADS %s%n", train.size(),
        batch, epochs, Runtime.getRuntime().availableProcessors(),
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));

    MultiLayerNetwork single = new MultiLayerNetwork(mlp());
    single.init();
    long t0 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      for (DataSet ds : train) {
        single.fit(ds);
      }
    }
    double singleSec = (System.nanoTime() - t0) / 1e9;
    double singleAcc = accuracy(single, test);

    JavaRDD<DataSet> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(train, 2).cache();
    rdd.count();
    // The baseline for the stage's choice below, run first so that any warm-up counts against it:
    // DL4J's defaults (Export the batches to files, repartition each split).
    SparkDl4jMultiLayer defaults = new SparkDl4jMultiLayer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        mlp(), new ParameterAveragingTrainingMaster.Builder(batch).batchSizePerWorker(batch)
        .averagingFrequency(10).workerPrefetchNumBatches(2).rngSeed(42).build());
    long t3 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      defaults.fit(rdd);
    }
    double defaultsSec = (System.nanoTime() - t3) / 1e9;
    double defaultsAcc = accuracy(defaults.getNetwork(), test);

    // As the train-dl stage trains: each worker keeps its partition (Direct, no repartitioning).
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        mlp(), asTheStage(batch, 10));
    long t1 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      sparkNet.fit(rdd);
    }
    double sparkSec = (System.nanoTime() - t1) / 1e9;
    double sparkAcc = accuracy(sparkNet.getNetwork(), test);

    // What averaging costs: the same 2 workers averaging once per epoch instead of every 10 minibatches.
    SparkDl4jMultiLayer onceAnEpoch = new SparkDl4jMultiLayer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        mlp(), asTheStage(batch, (train.size() + 1) / 2));
    long t2 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      onceAnEpoch.fit(rdd);
    }
    double onceSec = (System.nanoTime() - t2) / 1e9;
    double onceAcc = accuracy(onceAnEpoch.getNetwork(), test);

    System.out.printf("bench: DL4J fit, one network   %6.1f s  %,8.0f samples/s  test accuracy %.4f%n",
        singleSec, samples / singleSec, singleAcc);
    System.out.printf("bench: Spark, 2 workers (avg)  %6.1f s  %,8.0f samples/s  test accuracy %.4f%n",
        sparkSec, samples / sparkSec, sparkAcc);
    System.out.printf("bench: Spark, 2 workers (avg), DL4J defaults  %6.1f s  %,8.0f samples/s  test accuracy %.4f"
        + "  (the stage's settings run at %.2fx this speed)%n", defaultsSec, samples / defaultsSec, defaultsAcc,
        defaultsSec / sparkSec);
    System.out.printf("bench: Spark, 2 workers, averaging once an epoch  %6.1f s  %,8.0f samples/s  test accuracy %.4f%n",
        onceSec, samples / onceSec, onceAcc);
    System.out.printf("bench: 2-worker speed-up %.2fx (target >= 1.6x where cores allow)%n", singleSec / sparkSec);
    // For bench/train-dl-torch.sh, which compares PyTorch with the single-network figures.
    java.nio.file.Files.writeString(Path.of("bench/out/train-dl-mlp.json"), String.format(java.util.Locale.ROOT,
        "{\"epochs\": %d, \"omp_threads\": \"%s\", \"single_seconds\": %.3f, \"single_samples_per_second\": %.1f,"
            + " \"single_accuracy\": %.4f, \"spark_seconds\": %.3f, \"spark_samples_per_second\": %.1f,"
            + " \"spark_accuracy\": %.4f}%n", epochs, System.getenv().getOrDefault("OMP_NUM_THREADS", "default"),
        singleSec, samples / singleSec, singleAcc, sparkSec, samples / sparkSec, sparkAcc));
    spark.stop();
  }

  /** The training master as TrainDlJob builds it. */
  private static ParameterAveragingTrainingMaster asTheStage(int batch, int averagingFrequency) {
    return new ParameterAveragingTrainingMaster.Builder(2, batch).batchSizePerWorker(batch)
        .averagingFrequency(averagingFrequency).workerPrefetchNumBatches(2).rngSeed(42)
        .rddTrainingApproach(org.deeplearning4j.spark.api.RDDTrainingApproach.Direct)
        .repartionData(org.deeplearning4j.spark.api.Repartition.Never)
        .storageLevel(org.apache.spark.storage.StorageLevel.MEMORY_ONLY()).build();
  }

  private static MultiLayerConfiguration mlp() {
    return new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
        .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.feedForward(784)).build();
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
      right += net.output(ds.getFeatures()).argMax(1).eq(ds.getLabels().argMax(1))
          .castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
      all += ds.numExamples();
    }
    return (double) right / all;
  }
}
