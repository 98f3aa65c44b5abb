package dev.duet.trainml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Exact k nearest neighbours by blocked brute force: the reference rows (the train split, or a
 * seeded sample of it) are cut into blocks of {@code blockRows}, every query block meets every
 * reference block in a task of its own (a cartesian product of partitions), each task keeps a
 * local top k per query, and the local top-k lists are merged per query. Distances are
 * Euclidean, summed in index order; ties go to the smaller reference id, so the result equals a
 * plain nested-loop search exactly.
 *
 * <p>Cost is queries × reference rows distance computations, spread over all cores: fine for
 * the tens of thousands of reference rows the demo uses, not for millions of train rows (that
 * needs an index, e.g. LSH, which is approximate).
 */
public final class KnnSearch {
  /** Columns of the query and reference frames. */
  public static final String ID = dev.duet.config.ConfigLoader.ROW_ID_COLUMN;
  public static final String LABEL = FeaturePipeline.LABEL;
  public static final String FEATURES = "features";

  private KnnSearch() {}

  /** For each query id: its label and its k nearest reference rows, nearest first. */
  public static JavaPairRDD<Long, Found> search(Dataset<Row> queries, Dataset<Row> reference, int k, int blockRows) {
    // Every query partition reads every reference block: build them once. Spark's ContextCleaner
    // drops the cached blocks once the returned RDD (whose lineage holds them) is unreachable.
    JavaRDD<Block> refBlocks = blocks(reference, blockRows).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Block> queryBlocks = blocks(queries, blockRows);
    return queryBlocks.cartesian(refBlocks)
        .flatMapToPair(pair -> pair._1().nearest(pair._2(), k))
        .reduceByKey(Found::merge);
  }

  private static JavaRDD<Block> blocks(Dataset<Row> rows, int blockRows) {
    int iId = rows.schema().fieldIndex(ID);
    int iLabel = rows.schema().fieldIndex(LABEL);
    int iFeatures = rows.schema().fieldIndex(FEATURES);
    return rows.toJavaRDD().mapPartitions((Iterator<Row> it) -> {
      List<Block> out = new ArrayList<>();
      List<Row> chunk = new ArrayList<>(blockRows);
      while (it.hasNext()) {
        chunk.add(it.next());
        if (chunk.size() == blockRows || !it.hasNext()) {
          out.add(new Block(chunk, iId, iLabel, iFeatures));
          chunk = new ArrayList<>(blockRows);
        }
      }
      return out.iterator();
    });
  }

  /** A query's label and nearest neighbours so far, sorted by (distance, id). */
  public static final class Found implements Serializable {
    final double label;
    final long[] ids;
    final double[] distances;
    final double[] labels;
    int size;

    Found(double label, int k) {
      this.label = label;
      this.ids = new long[k];
      this.distances = new double[k];
      this.labels = new double[k];
    }

    void offer(double distance, long id, double neighbourLabel) {
      int k = ids.length;
      if (size == k && !before(distance, id, distances[k - 1], ids[k - 1])) {
        return;
      }
      int at = size == k ? k - 1 : size++;
      while (at > 0 && before(distance, id, distances[at - 1], ids[at - 1])) {
        ids[at] = ids[at - 1];
        distances[at] = distances[at - 1];
        labels[at] = labels[at - 1];
        at--;
      }
      ids[at] = id;
      distances[at] = distance;
      labels[at] = neighbourLabel;
    }

    static Found merge(Found a, Found b) {
      for (int i = 0; i < b.size; i++) {
        a.offer(b.distances[i], b.ids[i], b.labels[i]);
      }
      return a;
    }

    private static boolean before(double d1, long id1, double d2, long id2) {
      return d1 < d2 || (d1 == d2 && id1 < id2);
    }

    public double label() {
      return label;
    }

    /** Ids of the nearest reference rows, nearest first. */
    public long[] ids() {
      return Arrays.copyOf(ids, size);
    }

    /** Labels of the {@code k} nearest (k ≤ the k searched for). */
    public double[] labels(int k) {
      return Arrays.copyOf(labels, Math.min(k, size));
    }
  }

  /** Rows of one partition chunk, vectors kept dense or sparse as they came. */
  static final class Block implements Serializable {
    final long[] ids;
    final double[] labels;
    final double[][] values;
    final int[][] indices; // null entry: dense vector

    Block(List<Row> rows, int iId, int iLabel, int iFeatures) {
      int n = rows.size();
      ids = new long[n];
      labels = new double[n];
      values = new double[n][];
      indices = new int[n][];
      for (int i = 0; i < n; i++) {
        Row r = rows.get(i);
        ids[i] = r.getLong(iId);
        labels[i] = r.isNullAt(iLabel) ? Double.NaN : r.getDouble(iLabel);
        Vector v = (Vector) r.get(iFeatures);
        if (v instanceof SparseVector s) {
          indices[i] = s.indices();
          values[i] = s.values();
        } else {
          values[i] = ((DenseVector) v).values();
        }
      }
    }

    /** Each of this block's queries' top k within {@code ref}. */
    Iterator<Tuple2<Long, Found>> nearest(Block ref, int k) {
      List<Tuple2<Long, Found>> out = new ArrayList<>(ids.length);
      for (int q = 0; q < ids.length; q++) {
        Found found = new Found(labels[q], k);
        for (int r = 0; r < ref.ids.length; r++) {
          found.offer(distance(indices[q], values[q], ref.indices[r], ref.values[r]), ref.ids[r], ref.labels[r]);
        }
        out.add(new Tuple2<>(ids[q], found));
      }
      return out.iterator();
    }
  }

  /** Squared Euclidean distance, summed over indices in increasing order. */
  static double distance(int[] ia, double[] va, int[] ib, double[] vb) {
    double sum = 0;
    if (ia == null && ib == null) {
      for (int i = 0; i < va.length; i++) {
        double d = va[i] - vb[i];
        sum += d * d;
      }
      return sum;
    }
    if (ia == null || ib == null) {
      double[] dense = ia == null ? va : vb;
      int[] si = ia == null ? ib : ia;
      double[] sv = ia == null ? vb : va;
      int p = 0;
      for (int i = 0; i < dense.length; i++) {
        double other = p < si.length && si[p] == i ? sv[p++] : 0.0;
        double d = dense[i] - other;
        sum += d * d;
      }
      return sum;
    }
    int a = 0;
    int b = 0;
    while (a < ia.length || b < ib.length) {
      double d;
      if (b >= ib.length || (a < ia.length && ia[a] < ib[b])) {
        d = va[a++];
      } else if (a >= ia.length || ib[b] < ia[a]) {
        d = -vb[b++];
      } else {
        d = va[a++] - vb[b++];
      }
      sum += d * d;
    }
    return sum;
  }
}
