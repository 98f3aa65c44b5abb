package dev.duet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

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
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Permutation importance, the same for every model of either family: the drop in the pipeline's
 * primary metric on a seeded sample of held-out (test) rows when one input column's values are
 * shuffled among those rows, everything else kept. The model is applied once to all the shuffled
 * copies stacked (a copy's row ids say which column it shuffled) and each copy is scored with
 * {@link Metrics}, as evaluate scores the test split. Columns that are constant in the sample are
 * left out (shuffling them changes nothing); of the rest, at most {@link #MAX_COLUMNS}, the most
 * varied first, so a table of 784 pixels costs what one of 16 columns does.
 */
public final class PermutationImportance {
  public static final String FILE = "permutation_importance.json";
  /** Sample rows at most, and rows scored in all (the sample shrinks for many columns). */
  static final int MAX_ROWS = 2_000;
  static final int MAX_SCORED_ROWS = Metrics.DRIVER_ROWS;
  static final int MAX_COLUMNS = 16;

  private final Dataset<Row> sample;
  private final List<String> columns;
  private final List<String> unmeasured;
  private final long rows;
  private final Metric metric;
  private final int classes;

  private PermutationImportance(Dataset<Row> sample, List<String> columns, List<String> unmeasured, long rows,
      Metric metric, int classes) {
    this.sample = sample;
    this.columns = columns;
    this.unmeasured = unmeasured;
    this.rows = rows;
    this.metric = metric;
    this.classes = classes;
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
    // The sample is small (MAX_ROWS): it is held on the driver as a local table, numbered 0..n-1 in
    // row-id order (the shuffles below permute these positions), and its distinct values are
    // counted here exactly, without an aggregation of hundreds of columns.
    Dataset<Row> picked = CleanTable.slice(labelled, Math.min(1.0, 1.2 * wanted / Math.max(1, available)), seed, true)
        .orderBy(col(ConfigLoader.ROW_ID_COLUMN)).limit(wanted);
    List<Row> values = picked.collectAsList();
    long n = values.size();
    List<Row> numbered = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      Object[] fields = new Object[values.get(p).size() + 1];
      for (int i = 0; i < fields.length - 1; i++) {
        fields[i] = values.get(p).get(i);
      }
      fields[fields.length - 1] = (long) p;
      numbered.add(RowFactory.create(fields));
    }
    Dataset<Row> sample = heldOut.sparkSession().createDataFrame(numbered,
        picked.schema().add(POSITION, DataTypes.LongType, false));
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
    return new PermutationImportance(sample, List.copyOf(varied), List.copyOf(unmeasured), n, metric, classes);
  }

  /**
   * One model's importances, each column shuffled among the sample's rows before the model reads
   * them.
   *
   * @param predict the sample's rows (row id, label, inputs) → predictions with {@code row_id},
   *                {@code label}, {@code prediction}, {@code probability}, {@code raw_score}
   */
  public ObjectNode measure(UnaryOperator<Dataset<Row>> predict, long seed) {
    // Copy 0 is the sample as it is; copy k reads column k from the row at a shuffled position.
    // One join fetches every copy's shuffled value (a union of one join per column makes plans of
    // thousands of columns).
    List<Column> donor = new ArrayList<>(List.of(col(POSITION).as(SOURCE)));
    columns.forEach(c -> donor.add(col(c).as(SHUFFLED + c)));
    Dataset<Row> copies = copies(sample, seed).join(sample.select(donor.toArray(Column[]::new)), SOURCE);
    List<Column> selected = new ArrayList<>();
    for (String c : sample.columns()) {
      int k = columns.indexOf(c);
      if (c.equals(ConfigLoader.ROW_ID_COLUMN)) {
        selected.add(copyRowId());
      } else if (k >= 0) {
        selected.add(functions.when(col(COPY).equalTo(k + 1), col(SHUFFLED + c)).otherwise(col(c)).as(c));
      } else if (!c.equals(POSITION)) {
        selected.add(col(c));
      }
    }
    return score(predict.apply(copies.select(selected.toArray(Column[]::new))));
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
   * @param predict    rows of (row id, label, {@code vector}) → predictions, as for {@link #measure}
   */
  public ObjectNode measure(Dataset<Row> featurized, String vector, Map<String, int[]> slots,
      UnaryOperator<Dataset<Row>> predict, long seed) {
    Dataset<Row> picked = featurized.select(col(ConfigLoader.ROW_ID_COLUMN), col(Labels.LABEL), col(vector))
        .join(sample.select(col(ConfigLoader.ROW_ID_COLUMN), col(POSITION)), ConfigLoader.ROW_ID_COLUMN);
    // Collected: a few hundred rows, read once per copy below.
    Dataset<Row> rowsWithPosition = sample.sparkSession().createDataFrame(picked.collectAsList(), picked.schema());
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
   * its shuffled value comes from: copy k takes column k from the row at an affine permutation of
   * its position, (a * p + b) mod n with a coprime to n, seeded, so that both ways of measuring
   * shuffle alike.
   */
  private Dataset<Row> copies(Dataset<Row> rowsWithPosition, long seed) {
    Random random = new Random(seed);
    Column source = col(POSITION);
    for (int k = 0; k < columns.size(); k++) {
      long a = coprime(rows, 1 + random.nextInt((int) Math.max(1, rows - 1)));
      long b = random.nextInt((int) Math.max(1, rows));
      source = functions.when(col(COPY).equalTo(k + 1), pmod(col(POSITION).multiply(a).plus(b), lit(rows)))
          .otherwise(source);
    }
    return rowsWithPosition.crossJoin(rowsWithPosition.sparkSession().range(columns.size() + 1).toDF(COPY))
        .withColumn(SOURCE, source);
  }

  /** Which copy a prediction is of, kept in its row id. */
  private Column copyRowId() {
    return col(COPY).multiply(rows).plus(col(POSITION)).as(ConfigLoader.ROW_ID_COLUMN);
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
        .forEach(r -> byCopy.get((int) (r.<Long>getAs(ConfigLoader.ROW_ID_COLUMN) / rows)).add(r));
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
    out.put("rows", rows);
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
    return rows;
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
