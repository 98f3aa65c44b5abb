package dev.duet.contracts;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The predictions both training stages write for the test split and evaluate scores: one Parquet
 * table per model, {@link #SCHEMA}, plus {@link #PREDICTED_CLASS} when the label is text. Spelled
 * once, here.
 */
public final class Predictions {
  /** Ingest's row id: the same row in every model's predictions. */
  public static final String ROW_ID = "row_id";
  /** The label as the models learned it (a class index or a number); null where the row has none. */
  public static final String LABEL = "label";
  /** The predicted class index, or the predicted number for a regression. */
  public static final String PREDICTION = "prediction";
  /** Per-class probabilities (classifiers that have them). */
  public static final String PROBABILITY = "probability";
  /** Per-class raw scores: a margin (linear SVM) or the network's output before softmax. */
  public static final String RAW_SCORE = "raw_score";
  /** The predicted class's name, for a text or boolean label (see ClassDictionary). */
  public static final String PREDICTED_CLASS = "predicted_class";

  public static final StructType SCHEMA = new StructType()
      .add(ROW_ID, DataTypes.LongType, false)
      .add(LABEL, DataTypes.DoubleType, true)
      .add(PREDICTION, DataTypes.DoubleType, false)
      .add(PROBABILITY, DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add(RAW_SCORE, DataTypes.createArrayType(DataTypes.DoubleType, false), true);

  /** The columns of {@link #SCHEMA}, in order. */
  public static final List<String> COLUMNS = List.of(SCHEMA.fieldNames());

  private Predictions() {}
}
