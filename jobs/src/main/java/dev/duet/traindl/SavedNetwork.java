package dev.duet.traindl;

import dev.duet.contracts.InputException;
import dev.duet.contracts.Predictions;
import dev.duet.store.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained network as train-dl saves it, {@code networks/<name>.zip} (DL4J's ModelSerializer)
 * with its fitted input encoding beside it ({@code networks/<name>.encoding.json}), and how it
 * predicts: per partition, the network broadcast to every task. What train-dl predicts its test
 * split with and what {@code duet score} applies to new rows.
 */
public final class SavedNetwork {
  private static final int PREDICT_BATCH = 512;

  private final ComputationGraph graph;
  private final InputEncoding encoding;
  private final int numClasses;

  SavedNetwork(ComputationGraph graph, InputEncoding encoding, int numClasses) {
    this.graph = graph;
    this.encoding = encoding;
    this.numClasses = numClasses;
  }

  /** The encoding file saved beside {@code networkFile}. */
  static Path encodingFile(Path networkFile) {
    return new Path(networkFile.getParent(), networkFile.getName().replaceFirst("\\.zip$", "") + ".encoding.json");
  }

  static void writeEncoding(FileSystem fs, Path networkFile, InputEncoding encoding) {
    Json.write(fs, encodingFile(networkFile), encoding.toJson());
  }

  /**
   * @param networkFile a train-dl stage's {@code networks/<name>.zip}
   * @param numClasses  the classes of its label (0 for a regression), as its model cards say
   */
  public static SavedNetwork load(FileSystem fs, Path networkFile, int numClasses) {
    Path encodingFile = encodingFile(networkFile);
    try {
      if (!fs.exists(encodingFile)) {
        throw new InputException("The network " + networkFile + " has no saved input encoding (" + encodingFile.getName()
            + "): it was trained before networks kept theirs; re-run train-dl of that run with --force");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (InputStream in = fs.open(networkFile)) {
      ComputationGraph graph = ModelSerializer.restoreComputationGraph(in, false);
      return new SavedNetwork(graph, InputEncoding.fromJson(Json.read(fs, encodingFile)), numClasses);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the network " + networkFile + ": " + e.getMessage(), e);
    }
  }

  /** The clean columns the network reads, in the order {@link #predict} wants them after row id and label. */
  public List<String> columns() {
    return encoding.columns();
  }

  /**
   * Rows of (row_id, label, {@link #columns()}…) → {@link Predictions#SCHEMA} rows, on the
   * application's executors (threads per task from {@code spark.task.cpus}).
   */
  public Dataset<Row> predict(SparkSession spark, Dataset<Row> rows) {
    return predict(spark, rows, graph, encoding, numClasses, GpuPlacement.of(spark.sparkContext().getConf()),
        spark.sparkContext().getConf().getInt("spark.task.cpus", 1));
  }

  /** As {@link #predict(SparkSession, Dataset)}, for a network being trained (its placement, its threads). */
  static Dataset<Row> predict(SparkSession spark, Dataset<Row> rows, ComputationGraph net, InputEncoding encoding,
      int numClasses, GpuPlacement placement, int threads) {
    return predict(spark, rows.toJavaRDD(), net, encoding, numClasses, placement, threads);
  }

  /** As {@link #predict(SparkSession, Dataset)}, for rows already out of a query plan. */
  static Dataset<Row> predict(SparkSession spark, JavaRDD<Row> rows, ComputationGraph net, InputEncoding encoding,
      int numClasses, GpuPlacement placement, int threads) {
    Broadcast<byte[]> model = broadcast(spark, net);
    JavaRDD<Row> out = placement.place(rows).mapPartitions((Iterator<Row> it) -> {
      WorkerThreads.use(threads);
      ComputationGraph local = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(model.value()), false);
      List<Row> scored = new ArrayList<>();
      List<Row> chunk = new ArrayList<>(PREDICT_BATCH);
      while (it.hasNext()) {
        chunk.add(it.next());
        if (chunk.size() == PREDICT_BATCH || !it.hasNext()) {
          Minibatches.Inputs x = Minibatches.features(chunk, encoding, 2);
          INDArray output = local.output(false, x.arrays(), x.masks())[0];
          for (int r = 0; r < chunk.size(); r++) {
            Row in = chunk.get(r);
            Object label = in.isNullAt(1) ? null : in.getDouble(1);
            double[] scores = output.getRow(r).toDoubleVector();
            if (numClasses == 0) {
              scored.add(RowFactory.create(in.getLong(0), label, encoding.decodeLabel(scores[0]), null, null));
            } else {
              int best = 0;
              for (int c = 1; c < scores.length; c++) {
                best = scores[c] > scores[best] ? c : best;
              }
              scored.add(RowFactory.create(in.getLong(0), label, (double) best, scores, null)); // softmax: no raw score
            }
          }
          chunk = new ArrayList<>(PREDICT_BATCH);
        }
      }
      return scored.iterator();
    });
    return spark.createDataFrame(out, Predictions.SCHEMA);
  }

  static Broadcast<byte[]> broadcast(SparkSession spark, ComputationGraph net) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net, bytes, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes.toByteArray());
  }
}
