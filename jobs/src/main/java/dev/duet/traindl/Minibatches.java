package dev.duet.traindl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rows of (label, inputs…) into DL4J minibatches, one partition at a time: a {@link MultiDataSet}
 * per {@code batch} rows, never one per row, with one array per input of the network (see
 * {@link #features}).
 */
final class Minibatches {
  private Minibatches() {}

  /**
   * @param rows    the label first, then {@link InputEncoding#columns()}
   * @param threads native threads per worker (see {@link WorkerThreads}), set on each executor here
   */
  static JavaRDD<MultiDataSet> of(Dataset<Row> rows, InputEncoding encoding, int numClasses, int batch, int threads) {
    return rows.toJavaRDD().mapPartitions((Iterator<Row> it) -> {
      WorkerThreads.use(threads);
      List<MultiDataSet> out = new ArrayList<>();
      List<Row> chunk = new ArrayList<>(batch);
      while (it.hasNext()) {
        chunk.add(it.next());
        if (chunk.size() == batch || !it.hasNext()) {
          out.add(dataSet(chunk, encoding, numClasses));
          chunk = new ArrayList<>(batch);
        }
      }
      return out.iterator();
    });
  }

  private static MultiDataSet dataSet(List<Row> rows, InputEncoding encoding, int numClasses) {
    float[][] y = new float[rows.size()][Math.max(numClasses, 1)];
    for (int r = 0; r < rows.size(); r++) {
      double label = rows.get(r).getDouble(0);
      if (numClasses > 0) {
        y[r][(int) label] = 1f;
      } else {
        y[r][0] = encoding.encodeLabel(label);
      }
    }
    Inputs x = features(rows, encoding, 1);
    return new org.nd4j.linalg.dataset.MultiDataSet(x.arrays(), new INDArray[] {Nd4j.create(y)}, x.masks(), null);
  }

  /**
   * A minibatch's inputs, one array per network input, and their masks: for a sequence, which
   * steps hold a word (rows shorter than the batch's longest are padded); null for the others.
   */
  record Inputs(INDArray[] arrays, INDArray[] masks) {}

  /**
   * The encoded inputs of rows whose input columns start at {@code offset}, as the network's
   * inputs ({@link Networks#inputs}): the numeric (or one-hot, or pixel) columns, then one column
   * of value indices per embedded categorical; for a sequence network, its word ids. (An embedding reads a graph input of its own:
   * DL4J cannot pass gradients back through a slice of one input to a layer that returns none.)
   */
  static Inputs features(List<Row> rows, InputEncoding encoding, int offset) {
    if (encoding.isSequence()) {
      return sequences(rows, encoding, offset);
    }
    float[][] x = new float[rows.size()][encoding.width()];
    for (int r = 0; r < rows.size(); r++) {
      encoding.encode(rows.get(r), offset, x[r]);
    }
    List<InputEncoding.Embedding> embeddings = encoding.embeddings();
    if (embeddings.isEmpty()) {
      return new Inputs(new INDArray[] {Nd4j.create(x)}, null);
    }
    List<INDArray> out = new ArrayList<>();
    int numeric = encoding.numericWidth();
    if (numeric > 0) {
      float[][] n = new float[rows.size()][];
      for (int r = 0; r < rows.size(); r++) {
        n[r] = java.util.Arrays.copyOf(x[r], numeric);
      }
      out.add(Nd4j.create(n));
    }
    for (InputEncoding.Embedding e : embeddings) {
      float[][] index = new float[rows.size()][1];
      for (int r = 0; r < rows.size(); r++) {
        index[r][0] = x[r][e.slot()];
      }
      out.add(Nd4j.create(index));
    }
    return new Inputs(out.toArray(INDArray[]::new), null);
  }

  /** Word ids [rows, steps] padded to the batch's longest text, and the mask of real steps. */
  private static Inputs sequences(List<Row> rows, InputEncoding encoding, int offset) {
    int[][] ids = new int[rows.size()][];
    int steps = 1;
    for (int r = 0; r < rows.size(); r++) {
      ids[r] = encoding.words(rows.get(r), offset);
      steps = Math.max(steps, ids[r].length);
    }
    float[][] x = new float[rows.size()][steps];
    float[][] mask = new float[rows.size()][steps];
    for (int r = 0; r < rows.size(); r++) {
      for (int t = 0; t < ids[r].length; t++) {
        x[r][t] = ids[r][t];
        mask[r][t] = 1f;
      }
    }
    return new Inputs(new INDArray[] {Nd4j.create(x)}, new INDArray[] {Nd4j.create(mask)});
  }
}
