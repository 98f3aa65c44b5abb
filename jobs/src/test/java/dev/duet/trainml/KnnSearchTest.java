package dev.duet.trainml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.SparkTestSession;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class KnnSearchTest {
  private static final StructType ROWS = new StructType()
      .add(KnnSearch.ID, DataTypes.LongType, false)
      .add(KnnSearch.LABEL, DataTypes.DoubleType, true)
      .add(KnnSearch.FEATURES, SQLDataTypes.VectorType(), false);
  private final SparkSession spark = SparkTestSession.get();

  @Test
  void findsExactlyTheNeighboursOfANestedLoopSearch() {
    Random random = new Random(11);
    List<Row> reference = points(random, 0, 403);
    reference.add(RowFactory.create(9_000L, 1.0, reference.get(5).get(2))); // an exact tie with row 5
    List<Row> queries = points(random, 100_000, 57);
    queries.add(RowFactory.create(200_000L, 0.0, reference.get(5).get(2))); // distance 0 to two rows
    int k = 7;

    Map<Long, long[]> found = KnnSearch.search(frame(queries, 3), frame(reference, 4), k, 10).collectAsMap()
        .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().ids()));

    assertThat(found).hasSize(queries.size());
    for (Row q : queries) {
      long[] expected = bruteForce(q, reference, k);
      assertThat(found.get(q.getLong(0))).as("neighbours of %d", q.getLong(0)).containsExactly(expected);
    }
    assertThat(found.get(200_000L)).as("tie at distance 0: smaller id first").startsWith(5L, 9_000L);
  }

  @Test
  void votesForTheMajorityClassAndAveragesForRegression() {
    List<Row> reference = List.of(
        RowFactory.create(1L, 0.0, Vectors.dense(0.0)),
        RowFactory.create(2L, 1.0, Vectors.dense(1.0)),
        RowFactory.create(3L, 1.0, Vectors.dense(2.0)),
        RowFactory.create(4L, 0.0, Vectors.dense(10.0)));
    List<Row> query = List.of(RowFactory.create(7L, 1.0, Vectors.dense(1.2)));

    Row classified = new KnnModel(3, 2, 2, frame(reference, 2)).transform(frame(query, 1)).first();
    assertThat(classified.getDouble(2)).as("two of the three nearest are class 1").isEqualTo(1.0);
    assertThat(((Vector) classified.get(3)).toArray()).containsExactly(1.0 / 3, 2.0 / 3);

    Row regressed = new KnnModel(3, 0, 2, frame(reference, 2)).transform(frame(query, 1)).first();
    assertThat(regressed.getDouble(2)).as("mean label of the three nearest").isEqualTo(2.0 / 3);
  }

  /** Half the points sparse, half dense, on a coarse grid so that equal distances occur. */
  private static List<Row> points(Random random, long firstId, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] v = new double[12];
      for (int j = 0; j < v.length; j++) {
        v[j] = random.nextInt(4) == 0 ? random.nextInt(3) : 0.0;
      }
      Vector vector = i % 2 == 0 ? Vectors.dense(v) : Vectors.dense(v).toSparse();
      rows.add(RowFactory.create(firstId + i, (double) random.nextInt(3), vector));
    }
    return rows;
  }

  private static long[] bruteForce(Row query, List<Row> reference, int k) {
    double[] q = ((Vector) query.get(2)).toArray();
    record Hit(long id, double distance) {}
    List<Hit> hits = new ArrayList<>();
    for (Row r : reference) {
      double[] v = ((Vector) r.get(2)).toArray();
      double d = 0;
      for (int i = 0; i < q.length; i++) {
        d += (q[i] - v[i]) * (q[i] - v[i]);
      }
      hits.add(new Hit(r.getLong(0), d));
    }
    hits.sort(Comparator.comparingDouble(Hit::distance).thenComparingLong(Hit::id));
    return hits.stream().limit(k).mapToLong(Hit::id).toArray();
  }

  private Dataset<Row> frame(List<Row> rows, int partitions) {
    return spark.createDataFrame(rows, ROWS).repartition(partitions);
  }

}
