package dev.duet.traindl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.TrainDlConfig;
import dev.duet.spark.TaskCost;
import dev.duet.spark.TaskCost.Measured;
import dev.duet.store.Json;
import dev.duet.training.CleanTable;
import dev.duet.training.Labels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clean Parquet → a DL4J network trained data-parallel with parameter averaging: encodes the raw
 * inputs (fitted on the train split), cuts minibatches per partition once, trains epoch by epoch
 * with a checkpoint after each (resumed by a rerun), stops early on a validation slice of the
 * train split (accuracy for classifiers, loss for regression), keeps the best epoch's network
 * and predicts the test split.
 */
public final class TrainDlJob {
  public static final String STAGE = "train-dl";
  public static final String NETWORK = "network.zip";
  public static final String PREDICTIONS = "predictions";
  public static final String CHECKPOINTS = "checkpoints";
  public static final String SUMMARY = "train-dl.json";
  /** Test hook: a JVM property that makes the attempt fail after this epoch's checkpoint. */
  static final String FAIL_AFTER_EPOCH = "duet.train-dl.fail-after-epoch";
  private static final Logger LOG = LoggerFactory.getLogger(TrainDlJob.class);
  private static final int PREDICT_BATCH = 512;

  private final SparkSession spark;
  private final PipelineConfig config;
  private final TrainDlConfig dl;
  private final String cleanPath;
  private final Path workDir;
  private final Checkpoints checkpoints;
  private final FileSystem fs;
  private final GpuPlacement placement;

  /**
   * @param checkpointDir survives a failed attempt (unlike {@code workDir}); moved into the
   *                      output as {@code checkpoints/} when the stage publishes
   */
  public TrainDlJob(SparkSession spark, PipelineConfig config, String cleanPath, Path workDir, Path checkpointDir) {
    this.spark = spark;
    this.config = config;
    this.dl = config.trainDl().orElseThrow(() -> new IllegalArgumentException("The config has no train_dl section"));
    this.cleanPath = cleanPath;
    this.workDir = workDir;
    try {
      this.fs = workDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.checkpoints = new Checkpoints(fs, checkpointDir);
    this.placement = GpuPlacement.of(spark.sparkContext().getConf());
  }

  public TrainDlResult run() {
    TaskCost cost = TaskCost.attach(spark.sparkContext());
    List<JavaRDD<DataSet>> cached = new ArrayList<>();
    try {
      return train(cost, cached);
    } finally {
      cost.detach();
      cached.forEach(JavaRDD::unpersist);
    }
  }

  private TrainDlResult train(TaskCost cost, List<JavaRDD<DataSet>> cached) {
    CleanTable table = CleanTable.read(spark, cleanPath, config, dl.columns());
    int numClasses = table.classes();
    Dataset<Row> train = table.train();
    if (dl.maxTrainRows().isPresent()) {
      long rows = train.count();
      if (rows > dl.maxTrainRows().get()) {
        train = CleanTable.slice(train, (double) dl.maxTrainRows().get() / rows, dl.seed(), true);
        LOG.info("train-dl: max_train_rows {}: training on a seeded sample of the {} train rows",
            dl.maxTrainRows().get(), rows);
      }
    }
    Dataset<Row> fit = CleanTable.slice(train, dl.validationFraction(), dl.seed() + 1, false);
    Dataset<Row> validation = CleanTable.slice(train, dl.validationFraction(), dl.seed() + 1, true);
    InputEncoding encoding = InputEncoding.fit(dl, fit, numClasses);
    Column[] inputs = encoding.columns().stream().map(c -> col(c)).toArray(Column[]::new);
    Column[] labelThenInputs = concat(col(Labels.LABEL), inputs);

    // Minibatches are cut once per run and cached; each epoch reads them again. Rows are shuffled
    // (seeded) within each worker's partition first: data in input order (MNIST's digits come one
    // class after another) would make every minibatch a single class.
    // Each of the `workers` partitions is one worker's shard for every epoch (DL4J does not
    // repartition it again, so the training stays in the stage that the GPU placement marks).
    JavaRDD<DataSet> fitBatches = placement.place(Minibatches.of(fit.select(labelThenInputs)
        .repartition(dl.workers()).sortWithinPartitions(rand(dl.seed())), encoding, numClasses, dl.batchSize())).cache();
    JavaRDD<DataSet> validationBatches = placement.place(Minibatches.of(validation.select(labelThenInputs), encoding,
        numClasses, PREDICT_BATCH)).cache();
    cached.add(fitBatches);
    cached.add(validationBatches);
    long fitRows = fit.count();
    long validationRows = validation.count();
    LOG.info("train-dl: {} network over {} inputs; {} train rows in {} minibatches of {}, {} validation rows; on {}",
        dl.network().name().toLowerCase(), encoding.width(), fitRows, fitBatches.count(), dl.batchSize(), validationRows,
        placement.describe());

    // A checkpoint from another network, other inputs or other data would resume the wrong model.
    String checkpointKey = dl.checkpointKey() + "|inputs=" + encoding.width() + "|classes=" + numClasses;
    ObjectNode state = checkpoints.state().map(s -> (ObjectNode) s).orElse(null);
    boolean discarded = state != null && !checkpointKey.equals(state.path("checkpoint_key").asText());
    if (discarded) {
      LOG.warn("train-dl: the checkpoints in {} were made under another train_dl config or other data: starting afresh",
          checkpoints.dir());
      checkpoints.clear();
      state = null;
    }
    int resumedFrom = state == null ? 0 : state.get("epoch").asInt();
    MultiLayerNetwork net;
    if (state == null) {
      net = new MultiLayerNetwork(Networks.build(dl, encoding.width(), numClasses));
      net.init();
      state = Json.object();
      state.put("checkpoint_key", checkpointKey);
      state.put("epoch", 0);
      state.put("best_epoch", 0);
      state.putNull("best_validation_score");
      state.putArray("curve");
    } else {
      net = checkpoints.network(resumedFrom);
      LOG.info("train-dl: resuming after epoch {} from {}", resumedFrom, checkpoints.dir());
    }
    // Direct: DL4J trains on the cached minibatches as they are. (Its default, Export, writes them
    // to the default Hadoop file system first and refuses a local one on a cluster.)
    ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(dl.workers(), dl.batchSize())
        .batchSizePerWorker(dl.batchSize()).averagingFrequency(dl.averagingFrequency())
        .workerPrefetchNumBatches(dl.prefetch()).rngSeed(dl.seed())
        .rddTrainingApproach(RDDTrainingApproach.Direct).repartionData(Repartition.Never)
        .storageLevel(StorageLevel.MEMORY_ONLY()).build(); // DL4J persists the RDD itself: the level of cache()
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        net, master);

    ArrayNode curve = (ArrayNode) state.get("curve");
    boolean stoppedEarly = false;
    double trainCpu = 0;
    double trainWall = 0;
    long trainTasks = 0;
    for (int epoch = resumedFrom + 1; epoch <= dl.epochs(); epoch++) {
      int e = epoch;
      Measured<ObjectNode> m = cost.measure("train-dl:epoch-" + e, "train-dl: epoch " + e, () -> {
        long t0 = System.nanoTime();
        sparkNet.fit(fitBatches);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode point = Json.object();
        point.put("epoch", e);
        point.put("train_loss", sparkNet.getScore());
        double[] lossAndAccuracy = validate(validationBatches, sparkNet.getNetwork());
        point.put("validation_loss", lossAndAccuracy[0]);
        if (numClasses > 0) {
          point.put("validation_accuracy", lossAndAccuracy[1]);
        } else {
          point.put("validation_rmse", Math.sqrt(lossAndAccuracy[0]) * encoding.labelScale()); // MSE on the scaled label
        }
        point.put("seconds", seconds);
        point.put("samples_per_second", fitRows / seconds);
        return point;
      });
      ObjectNode point = m.result();
      point.put("executor_cpu_seconds", m.cost().executorCpuSeconds());
      trainCpu += m.cost().executorCpuSeconds();
      trainWall += m.cost().wallSeconds();
      trainTasks += m.cost().tasks();
      curve.add(point);
      // Classifiers stop on accuracy: under parameter averaging the loss can rise while accuracy still improves.
      double score = numClasses > 0 ? point.get("validation_accuracy").asDouble() : -point.get("validation_loss").asDouble();
      boolean best = state.get("best_validation_score").isNull() || score > state.get("best_validation_score").asDouble();
      if (best) {
        state.put("best_epoch", e);
        state.put("best_validation_score", score);
      }
      state.put("epoch", e);
      checkpoints.save(sparkNet.getNetwork(), e, state);
      LOG.info("train-dl: epoch {}/{}: train loss {}, validation loss {}{}, {} s ({} samples/s){}", e, dl.epochs(),
          fmt(point.get("train_loss").asDouble()), fmt(point.get("validation_loss").asDouble()), numClasses > 0
              ? ", validation accuracy " + fmt(point.get("validation_accuracy").asDouble()) : "",
          fmt(point.get("seconds").asDouble()), Math.round(point.get("samples_per_second").asDouble()),
          best ? " (best so far)" : "");
      if (numClasses == 0) {
        LOG.info("train-dl: epoch {}: validation RMSE {} in label units", e, fmt(point.get("validation_rmse").asDouble()));
      }
      if (Integer.getInteger(FAIL_AFTER_EPOCH, -1) == e) {
        throw new IllegalStateException("stopped after epoch " + e + " by " + FAIL_AFTER_EPOCH);
      }
      if (e - state.get("best_epoch").asInt() >= dl.patience()) {
        stoppedEarly = e < dl.epochs();
        LOG.info("train-dl: no better validation {} for {} epochs: stopping early",
            numClasses > 0 ? "accuracy" : "loss", dl.patience());
        break;
      }
    }
    int bestEpoch = state.get("best_epoch").asInt();
    MultiLayerNetwork bestNet = checkpoints.network(bestEpoch); // never rewritten once state.json names it
    checkpoints.write(bestNet, new Path(workDir, NETWORK));

    Path predictions = new Path(workDir, PREDICTIONS);
    Measured<Long> predicted = cost.measure("train-dl:predict", "train-dl: predict the test split",
        () -> writePredictions(table.test(), inputs, bestNet, encoding, numClasses, predictions));
    moveCheckpoints();

    ObjectNode summary = Json.object();
    summary.put("network", dl.network().name().toLowerCase());
    summary.put("inputs", encoding.width());
    summary.put("parameters", bestNet.numParams());
    summary.put("classes", numClasses);
    summary.put("train_rows", fitRows);
    summary.put("validation_rows", validationRows);
    summary.put("test_rows_predicted", predicted.result());
    summary.put("workers", dl.workers());
    summary.put("executors", placement.describe());
    summary.put("batch_size_per_worker", dl.batchSize());
    summary.put("averaging_frequency", dl.averagingFrequency());
    summary.put("epochs_configured", dl.epochs());
    summary.put("epochs_run", state.get("epoch").asInt());
    summary.put("resumed_from_epoch", resumedFrom);
    summary.put("discarded_checkpoints_of_another_config", discarded);
    summary.put("best_epoch", bestEpoch);
    summary.put("stopped_early", stoppedEarly);
    summary.put("backend", Nd4j.getBackend().getClass().getSimpleName());
    summary.set("curve", curve);
    ObjectNode costJson = summary.putObject("cost");
    costJson.put("train_wall_seconds_this_attempt", trainWall);
    costJson.put("train_executor_cpu_seconds_this_attempt", trainCpu);
    costJson.put("predict_wall_seconds", predicted.cost().wallSeconds());
    costJson.put("gpus", gpus());
    long bytes = size(new Path(workDir, NETWORK));
    summary.put("network_bytes", bytes);
    return new TrainDlResult(table.rows(), fitRows, validationRows, predicted.result(), state.get("epoch").asInt(),
        resumedFrom, bestEpoch, stoppedEarly, new TaskCost.Cost(trainWall, trainCpu, 0, trainTasks),
        predicted.cost(), bytes, summary);
  }

  /**
   * Mean loss and accuracy over the validation minibatches, each partition scoring with its own
   * copy of the network. (SparkDl4jMultiLayer's calculateScore/evaluate broadcast the driver's
   * parameter array itself; in local mode the executors then close the driver's array.)
   */
  private double[] validate(JavaRDD<DataSet> batches, MultiLayerNetwork net) {
    Broadcast<byte[]> model = broadcast(net);
    double[] sums = batches.mapPartitions((Iterator<DataSet> it) -> {
      MultiLayerNetwork local = restore(model.value());
      double[] s = new double[3]; // loss × rows, correct, rows
      while (it.hasNext()) {
        DataSet ds = it.next();
        int n = ds.numExamples();
        s[0] += local.score(ds) * n;
        INDArray predicted = local.output(ds.getFeatures()).argMax(1);
        s[1] += predicted.eq(ds.getLabels().argMax(1)).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().doubleValue();
        s[2] += n;
      }
      return List.of(s).iterator();
    }).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
    model.destroy();
    return new double[] {sums[0] / sums[2], sums[1] / sums[2]};
  }

  private Broadcast<byte[]> broadcast(MultiLayerNetwork net) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net, bytes, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes.toByteArray());
  }

  private static MultiLayerNetwork restore(byte[] model) throws IOException {
    return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);
  }

  /** Test rows → (row_id, label, prediction, probability, raw_score), the network applied per partition. */
  private long writePredictions(Dataset<Row> test, Column[] inputs, MultiLayerNetwork net, InputEncoding encoding,
      int numClasses, Path dir) {
    Broadcast<byte[]> model = broadcast(net);
    JavaRDD<Row> rows = placement.place(test.select(concat(col(ConfigLoader.ROW_ID_COLUMN), concat(col(Labels.LABEL), inputs)))
        .toJavaRDD()).mapPartitions((Iterator<Row> it) -> {
          MultiLayerNetwork local = restore(model.value());
          List<Row> out = new ArrayList<>();
          List<Row> chunk = new ArrayList<>(PREDICT_BATCH);
          while (it.hasNext()) {
            chunk.add(it.next());
            if (chunk.size() == PREDICT_BATCH || !it.hasNext()) {
              INDArray output = local.output(Nd4j.create(Minibatches.inputs(chunk, encoding, 2)));
              for (int r = 0; r < chunk.size(); r++) {
                Row in = chunk.get(r);
                Object label = in.isNullAt(1) ? null : in.getDouble(1);
                double[] scores = output.getRow(r).toDoubleVector();
                if (numClasses == 0) {
                  out.add(RowFactory.create(in.getLong(0), label, encoding.decodeLabel(scores[0]), null, null));
                } else {
                  int best = 0;
                  for (int c = 1; c < scores.length; c++) {
                    best = scores[c] > scores[best] ? c : best;
                  }
                  out.add(RowFactory.create(in.getLong(0), label, (double) best, scores, null)); // softmax: no separate raw score
                }
              }
              chunk = new ArrayList<>(PREDICT_BATCH);
            }
          }
          return out.iterator();
        });
    StructType schema = new StructType()
        .add(ConfigLoader.ROW_ID_COLUMN, DataTypes.LongType, false)
        .add("label", DataTypes.DoubleType, true)
        .add("prediction", DataTypes.DoubleType, false)
        .add("probability", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
        .add("raw_score", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists).parquet(dir.toString());
    model.destroy();
    return spark.read().parquet(dir.toString()).count();
  }

  private void moveCheckpoints() {
    try {
      if (!fs.rename(checkpoints.dir(), new Path(workDir, CHECKPOINTS))) {
        throw new IOException("rename failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move " + checkpoints.dir() + " into the output: " + e.getMessage(), e);
    }
  }

  /** GPUs the training ran on when ND4J runs on CUDA: GPUs per executor × executors (under the mixed
   * placement the CPU executors count too: an upper bound). */
  private int gpus() {
    if (!Nd4j.getBackend().getClass().getSimpleName().toLowerCase().contains("cuda")) {
      return 0;
    }
    int perExecutor = placement.gpusPerExecutor()
        .orElse((int) spark.sparkContext().getConf().getDouble("spark.executor.resource.gpu.amount", 1));
    int executors = Math.max(1, spark.sparkContext().getExecutorMemoryStatus().size() - 1);
    return perExecutor * executors;
  }

  private long size(Path p) {
    try {
      return fs.getFileStatus(p).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Column[] concat(Column first, Column... rest) {
    Column[] all = new Column[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static String fmt(double v) {
    return String.format("%.4f", v);
  }
}
