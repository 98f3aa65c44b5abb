package dev.duet.ingest;

import static dev.duet.ingest.RowTagger.ref;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.dayofweek;
import static org.apache.spark.sql.functions.dayofyear;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;
import static org.apache.spark.sql.functions.year;

import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.DerivedColumn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** The steps from tagged-clean rows to the published clean table: impute, dedup, derive, split. */
final class CleanFrame {
  /** Hash buckets for the split; fractions are honoured to 1e-6. */
  private static final long SPLIT_BUCKETS = 1_000_000L;

  private CleanFrame() {}

  /** Replaces nulls by the configured constant (median-imputed columns are filled later). */
  static Dataset<Row> imputeConstants(Dataset<Row> clean, PipelineConfig config) {
    Dataset<Row> out = clean;
    for (ColumnSpec c : config.columns()) {
      if (c.nulls() == PipelineConfig.NullPolicy.IMPUTE && !c.imputesMedian()) {
        out = out.withColumn(c.name(), coalesce(ref(c.name()),
            lit(c.impute().orElseThrow()).cast(RowTagger.sparkType(c.type()))));
      }
    }
    return out;
  }

  static Dataset<Row> imputeMedians(Dataset<Row> clean, Map<String, Double> medians) {
    Dataset<Row> out = clean;
    for (Map.Entry<String, Double> m : medians.entrySet()) {
      out = out.withColumn(m.getKey(), coalesce(ref(m.getKey()),
          lit(m.getValue()).cast(clean.schema().apply(m.getKey()).dataType())));
    }
    return out;
  }

  /**
   * Observes, while the clean table is written, how many nulls each imputed column has before
   * imputation and dedup: a cheap count; the median itself is computed later, only if needed.
   */
  static Dataset<Row> observeGaps(Dataset<Row> clean, PipelineConfig config, Observation observation) {
    List<Column> metrics = new ArrayList<>();
    metrics.add(count(lit(1)).as("_rows"));
    for (ColumnSpec c : config.columns()) {
      if (c.nulls() == PipelineConfig.NullPolicy.IMPUTE) {
        metrics.add(sum(when(ref(c.name()).isNull(), 1L).otherwise(0L)).as(gapsName(c.name())));
      }
    }
    return clean.observe(observation, metrics.get(0), metrics.subList(1, metrics.size()).toArray(Column[]::new));
  }

  static String gapsName(String column) {
    return "gaps:" + column;
  }

  /** Medians of the given columns in one aggregation (relative error 1e-4); null where a column has no values. */
  static Map<String, Double> medians(Dataset<Row> table, List<String> columns) {
    Column[] aggs = columns.stream()
        .map(c -> percentile_approx(ref(c).cast(DataTypes.DoubleType), lit(0.5), lit(10_000)))
        .toArray(Column[]::new);
    Row r = table.agg(aggs[0], java.util.Arrays.copyOfRange(aggs, 1, aggs.length)).first();
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      out.put(columns.get(i), r.isNullAt(i) ? null : r.getDouble(i));
    }
    return out;
  }

  /**
   * Keeps one row per key: the smallest by the other columns' values, so the survivor does not
   * depend on partitioning or file order.
   */
  static Dataset<Row> dedup(Dataset<Row> clean, List<String> key) {
    if (key.isEmpty()) {
      return clean;
    }
    List<String> rest = new ArrayList<>();
    for (String c : clean.columns()) {
      if (!key.contains(c)) {
        rest.add(c);
      }
    }
    if (rest.isEmpty()) {
      return clean.dropDuplicates(key.toArray(String[]::new));
    }
    Column[] keys = key.stream().map(RowTagger::ref).toArray(Column[]::new);
    Dataset<Row> grouped = clean.groupBy(keys)
        .agg(min(struct(rest.stream().map(RowTagger::ref).toArray(Column[]::new))).as("_duet_keep"));
    Column[] ordered = java.util.Arrays.stream(clean.columns())
        .map(c -> key.contains(c) ? ref(c) : col("_duet_keep." + "`" + c.replace("`", "``") + "`").as(c))
        .toArray(Column[]::new);
    return grouped.select(ordered);
  }

  static Dataset<Row> derive(Dataset<Row> clean, List<DerivedColumn> derived) {
    Dataset<Row> out = clean;
    for (DerivedColumn d : derived) {
      out = out.withColumn(d.name(), derivedValue(d));
    }
    return out;
  }

  private static Column derivedValue(DerivedColumn d) {
    if (d.expr().isPresent()) {
      return expr(d.expr().get());
    }
    Column from = ref(d.from().orElseThrow());
    if (d.above().isPresent()) {
      // NaN (kept by non_finite: keep) is above nothing and below nothing: no label.
      return when(from.isNull().or(isnan(from)), lit(null).cast(DataTypes.IntegerType))
          .otherwise(from.gt(lit(d.above().get())).cast(DataTypes.IntegerType));
    }
    return switch (d.part().orElseThrow()) {
      case YEAR -> year(from);
      case MONTH -> month(from);
      case DAY -> dayofmonth(from);
      case HOUR -> hour(from);
      case DAY_OF_YEAR -> dayofyear(from);
      // ISO: 1 = Monday … 7 = Sunday (Spark's dayofweek starts on Sunday).
      case WEEKDAY -> pmod(dayofweek(from).plus(5), lit(7)).plus(1);
    };
  }

  /**
   * Adds the {@code split} column: "test" for a seeded hash of the key below the test fraction,
   * else "train". The same seed and key values give the same split in every run and branch.
   */
  static Dataset<Row> split(Dataset<Row> clean, PipelineConfig config) {
    List<String> key = config.split().key().isEmpty()
        ? config.columns().stream().map(ColumnSpec::name).toList()
        : config.split().key();
    List<Column> hashed = new ArrayList<>();
    hashed.add(lit(config.split().seed()));
    key.forEach(k -> hashed.add(ref(k)));
    long threshold = Math.round(config.split().testFraction() * SPLIT_BUCKETS);
    Column bucket = pmod(xxhash64(hashed.toArray(Column[]::new)), lit(SPLIT_BUCKETS));
    return clean.withColumn(ConfigLoader.SPLIT_COLUMN, when(bucket.lt(threshold), lit("test")).otherwise(lit("train")));
  }
}
