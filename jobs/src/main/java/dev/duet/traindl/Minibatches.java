package dev.duet.traindl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rows of (label, inputs…) into DL4J minibatches, one partition at a time: a {@link DataSet} per
 * {@code batch} rows, never one per row.
 */
final class Minibatches {
  private Minibatches() {}

  /** @param rows the label first, then {@link InputEncoding#columns()} */
  static JavaRDD<DataSet> of(Dataset<Row> rows, InputEncoding encoding, int numClasses, int batch) {
    return rows.toJavaRDD().mapPartitions((Iterator<Row> it) -> {
      List<DataSet> out = new ArrayList<>();
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

  private static DataSet dataSet(List<Row> rows, InputEncoding encoding, int numClasses) {
    float[][] x = inputs(rows, encoding, 1);
    float[][] y = new float[rows.size()][Math.max(numClasses, 1)];
    for (int r = 0; r < rows.size(); r++) {
      double label = rows.get(r).getDouble(0);
      if (numClasses > 0) {
        y[r][(int) label] = 1f;
      } else {
        y[r][0] = encoding.encodeLabel(label);
      }
    }
    return new DataSet(Nd4j.create(x), Nd4j.create(y));
  }

  /** The encoded inputs of rows whose input columns start at {@code offset}. */
  static float[][] inputs(List<Row> rows, InputEncoding encoding, int offset) {
    float[][] x = new float[rows.size()][encoding.width()];
    for (int r = 0; r < rows.size(); r++) {
      encoding.encode(rows.get(r), offset, x[r]);
    }
    return x;
  }
}
