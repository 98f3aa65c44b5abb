package dev.duet.trainml;

import dev.duet.store.Json;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted k-NN: the reference rows and k. Classification votes (probability = share of the k
 * votes; a tie goes to the class of the nearer neighbour), regression averages. Predictions
 * have MLlib's column names so MLlib's evaluators score it like any other model.
 *
 * @param numClasses classes of a classifier; 0 for regression
 */
record KnnModel(int k, int numClasses, int blockRows, Dataset<Row> reference) {
  static final String SETTINGS = "knn.json";
  static final String REFERENCE = "reference";

  static final StructType PREDICTIONS = new StructType()
      .add(KnnSearch.ID, DataTypes.LongType, false)
      .add(KnnSearch.LABEL, DataTypes.DoubleType, true)
      .add("prediction", DataTypes.DoubleType, false)
      .add("probability", SQLDataTypes.VectorType(), true)
      .add("rawPrediction", SQLDataTypes.VectorType(), true);

  Dataset<Row> transform(Dataset<Row> queries) {
    return predictions(queries.sparkSession(), KnnSearch.search(queries, reference, k, blockRows), k, numClasses);
  }

  /** Predictions from neighbours found for some k' ≥ k, using the nearest k. */
  static Dataset<Row> predictions(SparkSession spark, JavaPairRDD<Long, KnnSearch.Found> found, int k, int numClasses) {
    JavaRDD<Row> rows = found.map(e -> {
      double[] labels = e._2().labels(k);
      double label = e._2().label();
      Object labelValue = Double.isNaN(label) ? null : label;
      if (numClasses == 0) {
        double mean = 0;
        for (double l : labels) {
          mean += l / labels.length;
        }
        return RowFactory.create(e._1(), labelValue, mean, null, null);
      }
      double[] votes = new double[numClasses];
      for (double l : labels) {
        votes[(int) l]++;
      }
      int best = (int) labels[0];
      for (double l : labels) { // nearest first, so a tie keeps the nearer class
        if (votes[(int) l] > votes[best]) {
          best = (int) l;
        }
      }
      double[] probability = new double[numClasses];
      for (int c = 0; c < numClasses; c++) {
        probability[c] = votes[c] / labels.length;
      }
      return RowFactory.create(e._1(), labelValue, (double) best, Vectors.dense(probability), Vectors.dense(votes));
    });
    return spark.createDataFrame(rows, PREDICTIONS);
  }

  void save(FileSystem fs, Path dir) {
    reference.write().mode(SaveMode.ErrorIfExists).parquet(new Path(dir, REFERENCE).toString());
    var settings = Json.object();
    settings.put("k", k);
    settings.put("num_classes", numClasses);
    settings.put("distance", "euclidean");
    settings.put("block_rows", blockRows);
    settings.put("reference", REFERENCE + "/ (columns " + String.join(", ", List.of(reference.columns())) + ")");
    Json.write(fs, new Path(dir, SETTINGS), settings);
  }
}
