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
    return new org.nd4j.linalg.dataset.MultiDataSet(features(rows, encoding, 1), new INDArray[] {Nd4j.create(y)});
  }

  /**
   * The encoded inputs of rows whose input columns start at {@code offset}, as the network's
   * inputs ({@link Networks#inputs}): the numeric (or one-hot, or pixel) columns, then one column
   * of value indices per embedded categorical. (An embedding reads a graph input of its own:
   * DL4J cannot pass gradients back through a slice of one input to a layer that returns none.)
   */
  static INDArray[] features(List<Row> rows, InputEncoding encoding, int offset) {
    float[][] x = new float[rows.size()][encoding.width()];
    for (int r = 0; r < rows.size(); r++) {
      encoding.encode(rows.get(r), offset, x[r]);
    }
    List<InputEncoding.Embedding> embeddings = encoding.embeddings();
    if (embeddings.isEmpty()) {
      return new INDArray[] {Nd4j.create(x)};
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
    return out.toArray(INDArray[]::new);
  }
}
