package dev.duet.training;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.contracts.Predictions;
import dev.duet.contracts.StageLayout;
import dev.duet.store.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The classes of a text or boolean classification label, in the order whose positions the
 * models learn as class indices: decided once by ingest (every distinct clean value, sorted) and
 * recorded with the clean table in {@code quality.json} ({@code label.dictionary}) and the
 * manifest. The clean table keeps the values as they were; both branches index them through this.
 */
public record ClassDictionary(List<String> names) {

  /** The dictionary ingest recorded beside the clean table at {@code cleanPath}, if the label is text. */
  public static Optional<ClassDictionary> beside(FileSystem fs, String cleanPath) {
    return of(fs, new Path(cleanPath).getParent());
  }

  /** The dictionary in an ingest output directory, if its label is text or boolean. */
  public static Optional<ClassDictionary> of(FileSystem fs, Path ingestDir) {
    Path quality = new Path(ingestDir, StageLayout.QUALITY);
    try {
      if (!fs.exists(quality)) {
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + quality + ": " + e.getMessage(), e);
    }
    JsonNode names = Json.read(fs, quality).path("label").path("dictionary");
    if (!names.isArray()) {
      return Optional.empty();
    }
    List<String> list = new ArrayList<>();
    names.forEach(n -> list.add(n.asText()));
    return Optional.of(new ClassDictionary(List.copyOf(list)));
  }

  /** The class index of each value (a double, as models read labels); null stays null. */
  public Column index(Column label) {
    Column position = array_position(asArray(), label.cast(DataTypes.StringType));
    return when(label.isNull(), lit(null)).otherwise(position.minus(1)).cast(DataTypes.DoubleType);
  }

  /** Predictions with the predicted class's name beside its index. */
  public Dataset<Row> name(Dataset<Row> predictions) {
    return predictions.withColumn(Predictions.PREDICTED_CLASS,
        element_at(asArray(), col(Predictions.PREDICTION).cast(DataTypes.IntegerType).plus(1)));
  }

  /** Names for {@code classes} indices: this dictionary's, or the indices themselves. */
  public static List<String> namesOf(Optional<ClassDictionary> dictionary, int classes) {
    return dictionary.map(ClassDictionary::names)
        .orElseGet(() -> IntStream.range(0, classes).mapToObj(String::valueOf).toList());
  }

  private Column asArray() {
    return array(names.stream().map(n -> lit(n)).toArray(Column[]::new));
  }
}
