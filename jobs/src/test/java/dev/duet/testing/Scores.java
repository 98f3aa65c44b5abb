package dev.duet.testing;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A stage's test-split scores, computed from its predictions (contracts.Predictions) as a user would, with stock MLlib. */
public final class Scores {
  private Scores() {}

  public static double accuracy(Dataset<Row> predictions) {
    return (double) predictions.where("label = prediction").count() / predictions.count();
  }

  /** ROC AUC of a binary classifier, from its class probabilities. */
  public static double rocAuc(Dataset<Row> predictions) {
    return new BinaryClassificationEvaluator().setRawPredictionCol("raw").setLabelCol("label")
        .evaluate(predictions.withColumn("raw", functions.array_to_vector(col("probability"))));
  }

  /** Root mean squared error of {@code prediction} (a column, or a constant such as the train mean) against the label. */
  public static double rmse(Dataset<Row> predictions, Column prediction) {
    Column error = col("label").minus(prediction);
    return Math.sqrt(predictions.select(avg(error.multiply(error))).first().getDouble(0));
  }
}
