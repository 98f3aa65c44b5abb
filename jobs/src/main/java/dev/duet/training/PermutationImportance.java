package dev.duet.training;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.Predictions;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Permutation importance, the same for every model of either family: the drop in the pipeline's
 * primary metric on a seeded sample of held-out (test) rows when one input column's values are
 * shuffled among those rows, everything else kept. The model is applied once to all the shuffled
 * copies stacked (a copy's row ids say which column it shuffled) and each copy is scored with
 * {@link Metrics}, as evaluate scores the test split. The sample is held on the driver; a model
 * that reads rows gets the copies built from it in the tasks that predict them. Columns that are
 * constant in the sample are left out (shuffling them changes nothing); of the rest, at most
 * {@link #MAX_COLUMNS}, the most varied first, so a table of 784 pixels costs what one of 16
 * columns does.
 */
public final class PermutationImportance {
  public static final String FILE = "permutation_importance.json";
  /** Sample rows at most, and rows scored in all (the sample shrinks for many columns). */
  static final int MAX_ROWS = 2_000;
  static final int MAX_SCORED_ROWS = Metrics.DRIVER_ROWS;
  static final int MAX_COLUMNS = 16;

  private final SparkSession spark;
  private final List<Row> sample; // row p is at position p
  private final StructType schema;
  private final List<String> columns;
  private final List<String> unmeasured;
  private final Metric metric;
  private final int classes;

  private PermutationImportance(SparkSession spark, List<Row> sample, StructType schema, List<String> columns,
      List<String> unmeasured, Metric metric, int classes) {
    this.spark = spark;
    this.sample = sample;
    this.schema = schema;
    this.columns = columns;
    this.unmeasured = unmeasured;
    this.metric = metric;
    this.classes = classes;
  }

  /** A model applied to the copies: rows of {@code schema} → predictions. */
  @FunctionalInterface
  public interface RowModel {
    Dataset<Row> predict(JavaRDD<Row> rows, StructType schema);
  }

  /**
   * Picks the rows and columns once per stage, so that every model is measured on the same ones.
   *
   * @param heldOut   rows the models did not train on, with the row id, the label and the inputs
   * @param available how many of them have a label ({@link Labels.Counts#testLabelled})
   * @param inputs    the raw input columns the stage's models read
   */
  public static PermutationImportance prepare(Dataset<Row> heldOut, long available, List<String> inputs,
      Metric metric, int classes, long seed) {
    Dataset<Row> labelled = heldOut.where(col(Labels.LABEL).isNotNull());
    int wanted = (int) Math.max(1, Math.min(MAX_ROWS, MAX_SCORED_ROWS / (Math.min(inputs.size(), MAX_COLUMNS) + 1)));
    // The sample is small (MAX_ROWS): it is held on the driver, at positions 0..n-1 in row-id order
    // (the shuffles below permute these positions), and its distinct values are counted here
    // exactly, without an aggregation of hundreds of columns.
    Dataset<Row> picked = CleanTable.slice(labelled, Math.min(1.0, 1.2 * wanted / Math.max(1, available)), seed, true)
        .orderBy(col(ConfigLoader.ROW_ID_COLUMN)).limit(wanted);
    List<Row> values = picked.collectAsList();
    Map<String, Integer> distinct = new HashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Set<Object> seen = new HashSet<>();
      int field = picked.schema().fieldIndex(inputs.get(i));
      for (Row r : values) {
        seen.add(r.get(field));
      }
      distinct.put(inputs.get(i), seen.size());
    }
    List<String> varied = new ArrayList<>();
    List<String> unmeasured = new ArrayList<>();
    for (String c : inputs) {
      (distinct.get(c) > 1 ? varied : unmeasured).add(c);
    }
    varied.sort(Comparator.comparingInt((String c) -> -distinct.get(c)));
    if (varied.size() > MAX_COLUMNS) {
      unmeasured.addAll(varied.subList(MAX_COLUMNS, varied.size()));
      varied = new ArrayList<>(varied.subList(0, MAX_COLUMNS));
    }
    return new PermutationImportance(heldOut.sparkSession(), values, picked.schema(), List.copyOf(varied),
        List.copyOf(unmeasured), metric, classes);
  }

  /**
   * One model's importances, each column shuffled among the sample's rows before the model reads
   * them. The copies are built from the sample in the tasks that predict them, as rows of (row id,
   * label, {@code inputs}…): a plan that joined and projected every copy of a 784-pixel sample
   * cost seconds a network, in code generated for that plan alone.
   *
   * @param inputs  the columns the model reads, in its order (measured columns it does not read
   *                come out at 0)
   * @param predict the copies → predictions with {@code row_id}, {@code label}, {@code prediction},
   *                {@code probability}, {@code raw_score}
   */
  public ObjectNode measure(List<String> inputs, RowModel predict, long seed) {
    int[] fields = new int[inputs.size() + 2];
    fields[0] = schema.fieldIndex(ConfigLoader.ROW_ID_COLUMN);
    fields[1] = schema.fieldIndex(Labels.LABEL);
    StructType copiesSchema = new StructType().add(schema.apply(fields[0])).add(schema.apply(fields[1]));
    for (int j = 0; j < inputs.size(); j++) {
      fields[j + 2] = schema.fieldIndex(inputs.get(j));
      copiesSchema = copiesSchema.add(schema.apply(fields[j + 2]));
    }
    // shuffledField[k]: which of the copy's fields copy k shuffles (-1: none, as copy 0 and a column this model does not read)
    int[] shuffledField = new int[columns.size() + 1];
    Arrays.fill(shuffledField, -1);
    for (int k = 0; k < columns.size(); k++) {
      shuffledField[k + 1] = inputs.indexOf(columns.get(k)) < 0 ? -1 : inputs.indexOf(columns.get(k)) + 2;
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<Row>> rows = jsc.broadcast(sample);
    try {
      List<Integer> copyNumbers = IntStream.rangeClosed(0, columns.size()).boxed().toList();
      JavaRDD<Row> copies = jsc.parallelize(copyNumbers, Math.min(copyNumbers.size(), jsc.defaultParallelism()))
          .flatMap(copyBuilder(rows, sources(seed), fields, shuffledField));
      return score(predict.predict(copies, copiesSchema));
    } finally {
      rows.destroy();
    }
  }

  /** Copy k's rows, in a task: each row's fields, field shuffledField[k] read from the row at sources[k - 1]. */
  private static FlatMapFunction<Integer, Row> copyBuilder(Broadcast<List<Row>> rows, int[][] sources, int[] fields,
      int[] shuffledField) {
    return k -> {
      List<Row> sample = rows.value();
      int n = sample.size();
      List<Row> copy = new ArrayList<>(n);
      for (int p = 0; p < n; p++) {
        Row row = sample.get(p);
        Object[] values = new Object[fields.length];
        values[0] = (long) k * n + p; // the copy and the position, as copyRowId() writes them
        for (int f = 1; f < fields.length; f++) {
          values[f] = (f == shuffledField[k] ? sample.get(sources[k - 1][p]) : row).get(fields[f]);
        }
        copy.add(RowFactory.create(values));
      }
      return copy.iterator();
    };
  }

  /**
   * The same importances for a model that reads a fitted featurization, measured in its feature
   * space: each copy shuffles the column's slots among the sample's featurized rows instead of the
   * column itself. Identical when every fitted stage maps one row to one row (an imputer's medians,
   * an indexer, a scaler, an assembler), and much cheaper on wide tables: the copies skip the
   * featurization, whose plan alone costs ~16 s a model at 784 columns, whatever the rows.
   *
   * @param featurized the held-out rows as the model reads them: row id, label, {@code vector}
   *                   (the sample's rows are picked from them by row id)
   * @param vector     the column of feature vectors
   * @param slots      each input column's positions in the vector
   * @param predict    rows of (row id, label, {@code vector}) → predictions, as for {@link #measure(List, RowModel, long)}
   */
  public ObjectNode measure(Dataset<Row> featurized, String vector, Map<String, int[]> slots,
      UnaryOperator<Dataset<Row>> predict, long seed) {
    int rowId = schema.fieldIndex(ConfigLoader.ROW_ID_COLUMN);
    List<Row> positions = new ArrayList<>();
    for (int p = 0; p < sample.size(); p++) {
      positions.add(RowFactory.create(sample.get(p).get(rowId), (long) p));
    }
    Dataset<Row> picked = featurized.select(col(ConfigLoader.ROW_ID_COLUMN), col(Labels.LABEL), col(vector))
        .join(spark.createDataFrame(positions, new StructType().add(schema.apply(rowId))
            .add(POSITION, DataTypes.LongType, false)), ConfigLoader.ROW_ID_COLUMN);
    // Collected: a few hundred rows, read once per copy below.
    Dataset<Row> rowsWithPosition = spark.createDataFrame(picked.collectAsList(), picked.schema());
    int[][] shuffled = new int[columns.size() + 1][];
    shuffled[0] = new int[0];
    for (int k = 0; k < columns.size(); k++) {
      shuffled[k + 1] = slots.getOrDefault(columns.get(k), new int[0]);
    }
    UserDefinedFunction splice = functions.udf((UDF3<Long, Vector, Vector, Vector>) (copy, own, shuffledFrom) -> {
      double[] values = own.toArray();
      for (int slot : shuffled[copy.intValue()]) {
        values[slot] = shuffledFrom.apply(slot);
      }
      return Vectors.dense(values).compressed();
    }, SQLDataTypes.VectorType());
    Dataset<Row> copies = copies(rowsWithPosition, seed)
        .join(rowsWithPosition.select(col(POSITION).as(SOURCE), col(vector).as(SHUFFLED)), SOURCE);
    return score(predict.apply(copies.select(copyRowId(), col(Labels.LABEL),
        splice.apply(col(COPY), col(vector), col(SHUFFLED)).as(vector))));
  }

  /**
   * The sample once per measured column, plus once as it is (copy 0), each row with the position
   * its shuffled value comes from ({@link #sources}).
   */
  private Dataset<Row> copies(Dataset<Row> rowsWithPosition, long seed) {
    int[][] sources = sources(seed);
    List<Row> table = new ArrayList<>();
    for (int p = 0; p < sample.size(); p++) {
      table.add(RowFactory.create(0L, (long) p, (long) p));
      for (int k = 1; k <= columns.size(); k++) {
        table.add(RowFactory.create((long) k, (long) p, (long) sources[k - 1][p]));
      }
    }
    Dataset<Row> shuffles = spark.createDataFrame(table, new StructType().add(COPY, DataTypes.LongType, false)
        .add(POSITION, DataTypes.LongType, false).add(SOURCE, DataTypes.LongType, false));
    return rowsWithPosition.join(shuffles, POSITION);
  }

  /**
   * sources[k][p]: the position from which copy k + 1 reads its column for the row at position p,
   * an affine permutation (a * p + b) mod n with a coprime to n, seeded, so that every way of
   * measuring shuffles alike.
   */
  private int[][] sources(long seed) {
    Random random = new Random(seed);
    long n = sample.size();
    int[][] sources = new int[columns.size()][(int) n];
    for (int k = 0; k < columns.size(); k++) {
      long a = coprime(n, 1 + random.nextInt((int) Math.max(1, n - 1)));
      long b = random.nextInt((int) Math.max(1, n));
      for (int p = 0; p < n; p++) {
        sources[k][p] = (int) ((a * p + b) % n);
      }
    }
    return sources;
  }

  /** Which copy a prediction is of, kept in its row id. */
  private Column copyRowId() {
    return col(COPY).multiply(sample.size()).plus(col(POSITION)).as(ConfigLoader.ROW_ID_COLUMN);
  }

  /** Every copy's metric against copy 0's. */
  private ObjectNode score(Dataset<Row> scoredRows) {
    // At most MAX_SCORED_ROWS predictions: collected, each copy is scored on the driver (Metrics.ofRows)
    // rather than by a few Spark jobs per copy, which took seconds a model for a few thousand rows.
    List<List<Row>> byCopy = new ArrayList<>();
    for (int k = 0; k <= columns.size(); k++) {
      byCopy.add(new ArrayList<>());
    }
    scoredRows.select(Arrays.stream(scoredRows.columns()).filter(Predictions.COLUMNS::contains).map(functions::col)
        .toArray(Column[]::new)).collectAsList()
        .forEach(r -> byCopy.get((int) (r.<Long>getAs(ConfigLoader.ROW_ID_COLUMN) / sample.size())).add(r));
    double baseline = Metrics.ofRows(byCopy.get(0), classes).get(metric);
    List<double[]> scored = new ArrayList<>();
    for (int k = 0; k < columns.size(); k++) {
      double permuted = Metrics.ofRows(byCopy.get(k + 1), classes).get(metric);
      // Positive: the model got worse without the column, whichever way the metric points.
      scored.add(new double[] {k, metric.higherIsBetter() ? baseline - permuted : permuted - baseline, permuted});
    }
    scored.sort(Comparator.comparingDouble(s -> -s[1]));
    ObjectNode out = Json.object();
    out.put("metric", metric.key());
    out.put("rows", sample.size());
    Json.putNumber(out, "baseline", baseline);
    ArrayNode list = out.putArray("columns");
    for (double[] s : scored) {
      ObjectNode e = list.addObject();
      e.put("column", columns.get((int) s[0]));
      Json.putNumber(e, "importance", s[1]);
      Json.putNumber(e, "permuted_" + metric.key(), s[2]);
    }
    ArrayNode skipped = out.putArray("not_measured");
    unmeasured.forEach(skipped::add);
    return out;
  }

  /** The file's content: the stage's models by name. */
  public static ObjectNode file(Metric metric, long rows, ObjectNode models) {
    ObjectNode out = Json.object();
    out.put("metric", metric.key());
    out.put("rows", rows);
    out.put("method", "drop in the metric when one input column is shuffled among held-out test rows");
    out.set("models", models);
    return out;
  }

  public long rows() {
    return sample.size();
  }

  private static long coprime(long n, long start) {
    long a = Math.max(1, start);
    while (gcd(a, n) != 1) {
      a++;
    }
    return a;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  private static final String POSITION = "__position";
  private static final String COPY = "__copy";
  private static final String SOURCE = "__source";
  private static final String SHUFFLED = "__shuffled_";
}
