package dev.duet.ingest;

import static dev.duet.ingest.RowTagger.ref;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.mean;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.stddev;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/** Per-column statistics, top values and label balance of the published clean table. */
final class QualityReport {
  static final int TOP_VALUES = 5;

  private QualityReport() {}

  /** nulls, min, max, mean, stddev (numbers), approx distinct per column, in one pass. */
  static ObjectNode columnStats(Dataset<Row> clean, long rows) {
    return ColumnProfile.of(clean, statFields(clean), rows);
  }

  /**
   * The most frequent values of each categorical column (strings, booleans, dates), in one
   * grouped pass over (column, value) pairs. Numbers are summarised by min/max/mean/stddev and
   * the label by its class balance.
   */
  static void topValues(Dataset<Row> clean, ObjectNode stats) {
    List<Column> pairs = new ArrayList<>();
    for (StructField f : statFields(clean)) {
      if (f.dataType() instanceof StringType || f.dataType() instanceof BooleanType
          || f.dataType() instanceof DateType) {
        pairs.add(struct(lit(f.name()).as("c"), ref(f.name()).cast(DataTypes.StringType).as("v")));
      }
    }
    if (pairs.isEmpty()) {
      return;
    }
    List<Row> top = clean.select(explode(array(pairs.toArray(Column[]::new))).as("p"))
        .groupBy(col("p.c").as("c"), col("p.v").as("v")).count()
        .withColumn("rank", row_number().over(Window.partitionBy("c").orderBy(desc("count"), col("v"))))
        .where(col("rank").leq(TOP_VALUES))
        .orderBy("c", "rank")
        .collectAsList();
    for (Row t : top) {
      ObjectNode s = (ObjectNode) stats.get(t.getString(0));
      ObjectNode entry = s.withArray("top_values").addObject();
      if (t.isNullAt(1)) {
        entry.putNull("value");
      } else {
        entry.put("value", ColumnProfile.shown(t.getString(1)));
      }
      entry.put("count", t.getLong(2));
    }
  }

  /** Class counts per split (classification) or the label's spread per split (regression). */
  static ObjectNode labelBalance(Dataset<Row> clean, PipelineConfig config) {
    ObjectNode out = Json.object();
    out.put("column", config.label());
    out.put("task", config.task().name().toLowerCase());
    Column label = ref(config.label());
    Column split = col(ConfigLoader.SPLIT_COLUMN);
    if (config.task() == PipelineConfig.Task.CLASSIFICATION) {
      ObjectNode classes = out.putObject("classes");
      DataType type = clean.schema().apply(config.label()).dataType();
      // A text or boolean label: its sorted values are the class dictionary both branches index by.
      ArrayNode dictionary = type.equals(DataTypes.StringType) || type.equals(DataTypes.BooleanType)
          ? out.putArray("dictionary") : null;
      for (Row r : clean.groupBy(label.cast(DataTypes.StringType).as("l"), split).count().orderBy("l", "split").collectAsList()) {
        String key = r.isNullAt(0) ? "null" : r.getString(0);
        if (dictionary != null && !r.isNullAt(0) && !classes.has(key)) {
          dictionary.add(key);
        }
        ObjectNode c = classes.has(key) ? (ObjectNode) classes.get(key) : classes.putObject(key);
        c.put(r.getString(1), r.getLong(2));
        c.put("total", c.path("total").asLong(0) + r.getLong(2));
      }
    } else {
      ObjectNode spread = out.putObject("splits");
      for (Row r : clean.groupBy(split).agg(count(label), mean(label), stddev(label), min(label), max(label))
          .orderBy("split").collectAsList()) {
        ObjectNode s = spread.putObject(r.getString(0));
        s.put("count", r.getLong(1));
        putDouble(s, "mean", r.get(2));
        putDouble(s, "stddev", r.get(3));
        putDouble(s, "min", r.get(4) == null ? null : ((Number) r.get(4)).doubleValue());
        putDouble(s, "max", r.get(5) == null ? null : ((Number) r.get(5)).doubleValue());
      }
    }
    return out;
  }

  private static List<StructField> statFields(Dataset<Row> clean) {
    List<StructField> fields = new ArrayList<>();
    for (StructField f : clean.schema().fields()) {
      if (!f.name().equals(ConfigLoader.SPLIT_COLUMN) && !f.name().equals(ConfigLoader.ROW_ID_COLUMN)) {
        fields.add(f);
      }
    }
    return fields;
  }

  private static void putDouble(ObjectNode s, String key, Object v) {
    if (v == null || Double.isNaN(((Number) v).doubleValue())) {
      s.putNull(key);
    } else {
      s.put(key, ((Number) v).doubleValue());
    }
  }
}
