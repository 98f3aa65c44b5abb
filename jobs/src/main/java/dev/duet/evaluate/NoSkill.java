package dev.duet.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.contracts.InputException;
import dev.duet.contracts.Predictions;
import dev.duet.contracts.StageLayout;
import dev.duet.store.Json;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The model that learned nothing from the features: the train split's class prior (its majority
 * class as the prediction) for a classifier, the train split's mean for a regression. Read from
 * the label balance ingest recorded in {@code quality.json}; scored on the same test rows as
 * every model, it is what "learned something" is measured against.
 *
 * @param prior the train split's share of each class (empty: regression)
 * @param mean  the train split's mean label (NaN: classification)
 */
record NoSkill(double[] prior, double mean) {
  static final String NAME = "no-skill baseline";

  static NoSkill of(FileSystem fs, Path ingestDir, int classes, List<String> classNames) {
    JsonNode label = Json.read(fs, new Path(ingestDir, StageLayout.QUALITY)).path("label");
    if (classes == 0) {
      JsonNode mean = label.path("splits").path("train").path("mean");
      if (!mean.isNumber()) {
        throw new InputException("The ingest's quality.json in " + ingestDir + " records no train mean of the label:"
            + " re-run ingest (--force)");
      }
      return new NoSkill(new double[0], mean.asDouble());
    }
    double[] counts = new double[classes];
    JsonNode dictionary = label.path("dictionary");
    for (Map.Entry<String, JsonNode> c : (Iterable<Map.Entry<String, JsonNode>>) label.path("classes")::fields) {
      if (c.getKey().equals("null")) {
        continue;
      }
      int index = dictionary.isArray() ? classNames.indexOf(c.getKey()) : (int) Double.parseDouble(c.getKey());
      if (index >= 0 && index < classes) {
        counts[index] += c.getValue().path("train").asLong(0);
      }
    }
    double total = Arrays.stream(counts).sum();
    if (total == 0) {
      throw new InputException("The ingest's quality.json in " + ingestDir + " records no train rows per class:"
          + " re-run ingest (--force)");
    }
    return new NoSkill(Arrays.stream(counts).map(n -> n / total).toArray(), Double.NaN);
  }

  /** The majority class of the train split (the first of equals), or the mean. */
  double prediction() {
    if (prior.length == 0) {
      return mean;
    }
    int best = 0;
    for (int c = 1; c < prior.length; c++) {
      best = prior[c] > prior[best] ? c : best;
    }
    return best;
  }

  /** What it predicts, in words. */
  String describe(List<String> classNames) {
    return prior.length == 0 ? String.format(Locale.ROOT, "the train split's mean label, %.4g, for every row", mean)
        : String.format(Locale.ROOT, "the train split's class shares as probabilities, and its majority class %s"
            + " (%.1f%% of the train rows) for every row", classNames.get((int) prediction()), 100 * prior[(int) prediction()]);
  }

  /** Its predictions of the rows of {@code any} model's predictions (the same test rows). */
  Dataset<Row> predictions(Dataset<Row> any) {
    Column probability = prior.length == 0 ? lit(null).cast(Predictions.SCHEMA.apply(Predictions.PROBABILITY).dataType())
        : org.apache.spark.sql.functions.array(Arrays.stream(prior).mapToObj(p -> lit(p)).toArray(Column[]::new));
    return any.select(col(Predictions.ROW_ID), col(Predictions.LABEL), lit(prediction()).as(Predictions.PREDICTION),
        probability.as(Predictions.PROBABILITY),
        lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType)).as(Predictions.RAW_SCORE));
  }

  /** Its predictions of the same labelled rows as {@code model}'s, on the driver. */
  Bootstrap.Rows rows(Bootstrap.Rows model) {
    int n = model.label().length;
    double[] prediction = new double[n];
    double[] score = new double[n];
    double[] labelProbability = new double[n];
    Arrays.fill(prediction, prediction());
    Arrays.fill(score, prior.length == 2 ? prior[1] : Double.NaN);
    for (int i = 0; i < n; i++) {
      int c = (int) model.label()[i];
      labelProbability[i] = prior.length == 0 ? Double.NaN : c < prior.length ? prior[c] : 0;
    }
    return new Bootstrap.Rows(model.label(), prediction, score, labelProbability, model.classes());
  }
}
