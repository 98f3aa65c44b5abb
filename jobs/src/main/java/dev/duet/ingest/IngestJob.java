package dev.duet.ingest;

import static dev.duet.ingest.RowTagger.DETAIL;
import static dev.duet.ingest.RowTagger.DROP_PREFIX;
import static dev.duet.ingest.RowTagger.RAW;
import static dev.duet.ingest.RowTagger.RULE;
import static dev.duet.ingest.RowTagger.SOURCE;
import static dev.duet.ingest.RowTagger.ref;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.Format;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw data → clean, split Parquet plus quarantine, with every row accounted for.
 *
 * <p>The input is read once: rows are cast, normalised and tagged by {@link RowTagger}, and the
 * tagged table is cached so the rule counts, the quarantine and the clean output all come from
 * that one parse. The clean table is written partitioned by {@code split}; statistics are then
 * computed from the written Parquet (a cheap columnar read). The caller publishes the work dir
 * with {@code quality.json} from the result.
 */
public final class IngestJob {
  public static final String STAGE = "ingest";
  public static final String CLEAN = "clean";
  public static final String QUARANTINE = "quarantine";
  public static final String QUALITY = "quality.json";
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final SourceDescription source;
  private final Path workDir;

  /**
   * @param spark   the session; ingest runs on a child session with its own SQL settings
   * @param workDir where clean/ and quarantine/ are written (the stage's temp dir)
   */
  public IngestJob(SparkSession spark, PipelineConfig config, SourceDescription source, Path workDir) {
    this.spark = spark.newSession();
    // Null-on-failure casts are what the type rule detects; ANSI mode would throw instead.
    this.spark.conf().set("spark.sql.ansi.enabled", "false");
    this.spark.conf().set("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    this.config = config;
    this.source = source;
    this.workDir = workDir;
  }

  public IngestResult run() {
    long started = System.nanoTime();
    Dataset<Row> tagged = RowTagger.tag(read(), config).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      describe("ingest: read and check " + source.path());
      Map<String, Long> byRule = new TreeMap<>();
      long read = 0;
      long cleanBeforeDedup = 0;
      for (Row r : tagged.groupBy(col(RULE)).count().collectAsList()) {
        read += r.getLong(1);
        if (r.isNullAt(0)) {
          cleanBeforeDedup = r.getLong(1);
        } else {
          byRule.put(r.getString(0), r.getLong(1));
        }
      }
      if (read == 0) {
        throw new InputException("Input " + source.path() + " holds no rows: nothing to ingest");
      }
      long dropped = byRule.entrySet().stream().filter(e -> e.getKey().startsWith(DROP_PREFIX))
          .mapToLong(Map.Entry::getValue).sum();
      long quarantined = read - cleanBeforeDedup - dropped;
      LOG.info("ingest: read {} rows from {} file(s): {} pass the rules, {} quarantined, {} dropped ({}s)",
          read, source.files().size(), cleanBeforeDedup, quarantined, dropped, secondsSince(started));

      describe("ingest: write quarantine");
      tagged.where(col(RULE).isNotNull().and(col(RULE).startsWith(DROP_PREFIX).unary_$bang()))
          .select(col(RAW).as("raw_record"), col(RULE).as("rule"), col(DETAIL).as("reason"),
              col(SOURCE).as("source_file"))
          .write().mode(SaveMode.ErrorIfExists).parquet(path(QUARANTINE));

      Dataset<Row> clean = tagged.where(col(RULE).isNull())
          .select(config.columns().stream().map(c -> ref(c.name())).toArray(Column[]::new));
      Map<String, Long> imputed = new LinkedHashMap<>();
      clean = CleanFrame.impute(clean, config, mediansAndNullCounts(clean, imputed));
      clean = CleanFrame.derive(CleanFrame.dedup(clean, config.dedupKey()), config.derived());
      clean = CleanFrame.split(clean, config);

      describe("ingest: write clean");
      clean.write().mode(SaveMode.ErrorIfExists).partitionBy(ConfigLoader.SPLIT_COLUMN).parquet(path(CLEAN));
      LOG.info("ingest: wrote clean and quarantine Parquet ({}s)", secondsSince(started));

      describe("ingest: statistics");
      Dataset<Row> written = spark.read().parquet(path(CLEAN));
      long cleanRows = written.count();
      long duplicates = cleanBeforeDedup - cleanRows;
      if (read != cleanRows + quarantined + duplicates + dropped) {
        throw new IllegalStateException("Row accounting does not add up: read " + read + " != clean " + cleanRows
            + " + quarantined " + quarantined + " + duplicates " + duplicates + " + dropped " + dropped);
      }
      ObjectNode quality = quality(written, read, cleanRows, quarantined, duplicates, dropped, byRule, imputed);
      LOG.info("ingest: {} clean rows ({} duplicates removed), statistics done ({}s)",
          cleanRows, duplicates, secondsSince(started));
      return new IngestResult(read, cleanRows, quarantined, duplicates, dropped, byRule, quality);
    } finally {
      tagged.unpersist();
      spark.sparkContext().setJobDescription(null);
    }
  }

  private Dataset<Row> read() {
    DataFrameReader reader = spark.read().options(config.input().options());
    String path = source.path().toString();
    Format format = config.input().format();
    if (format == Format.PARQUET) {
      return reader.parquet(path);
    }
    // Text formats are read as strings so that every value's cast is ours to check and report.
    StructType schema = new StructType();
    List<String> names = format == Format.CSV && !source.columns().isEmpty()
        ? source.columns()
        : config.columns().stream().map(ColumnSpec::name).toList();
    for (String n : names) {
      schema = schema.add(n, DataTypes.StringType, true);
    }
    schema = schema.add(RowTagger.CORRUPT, DataTypes.StringType, true);
    reader = reader.schema(schema).option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RowTagger.CORRUPT);
    if (format == Format.CSV) {
      return reader.option("header", String.valueOf(SourceProbe.csvHasHeader(config.input()))).csv(path);
    }
    return reader.json(path);
  }

  /** Medians of the median-imputed columns and the null count of every imputed column, in one pass. */
  private Map<String, Double> mediansAndNullCounts(Dataset<Row> clean, Map<String, Long> imputed) {
    List<ColumnSpec> imputedColumns = config.columns().stream()
        .filter(c -> c.nulls() == PipelineConfig.NullPolicy.IMPUTE).toList();
    Map<String, Double> medians = new LinkedHashMap<>();
    if (imputedColumns.isEmpty()) {
      return medians;
    }
    describe("ingest: medians for imputation");
    List<Column> aggs = new ArrayList<>();
    for (ColumnSpec c : imputedColumns) {
      aggs.add(sum(when(ref(c.name()).isNull(), 1).otherwise(0)));
      aggs.add(c.imputesMedian()
          ? percentile_approx(ref(c.name()).cast(DataTypes.DoubleType), lit(0.5), lit(10_000))
          : lit(null).cast(DataTypes.DoubleType));
    }
    Row r = clean.agg(count(lit(1)), aggs.toArray(Column[]::new)).first();
    int i = 1;
    for (ColumnSpec c : imputedColumns) {
      imputed.put(c.name(), r.isNullAt(i) ? 0L : r.getLong(i));
      i++;
      if (c.imputesMedian()) {
        if (r.isNullAt(i)) {
          throw new InputException("Cannot impute the median of " + c.name() + ": it has no values");
        }
        medians.put(c.name(), r.getDouble(i));
      }
      i++;
    }
    return medians;
  }

  private ObjectNode quality(Dataset<Row> written, long read, long clean, long quarantined, long duplicates,
      long dropped, Map<String, Long> byRule, Map<String, Long> imputed) {
    ObjectNode q = Json.object();
    q.put("pipeline", config.pipeline());
    q.put("input", source.path().toString());
    ObjectNode rows = q.putObject("rows");
    rows.put("read", read);
    rows.put("clean", clean);
    rows.put("quarantined", quarantined);
    rows.put("duplicates_removed", duplicates);
    rows.put("dropped", dropped);
    rows.put("accounting", "read = clean + quarantined + duplicates_removed + dropped");
    ObjectNode rules = q.putObject("quarantine_by_rule");
    ObjectNode drops = q.putObject("dropped_by_rule");
    byRule.forEach((rule, n) -> (rule.startsWith(DROP_PREFIX) ? drops : rules).put(rule, n));
    ObjectNode imp = q.putObject("imputed");
    imputed.forEach(imp::put);
    ObjectNode splits = q.putObject("split");
    for (Row r : written.groupBy(ConfigLoader.SPLIT_COLUMN).count().collectAsList()) {
      splits.put(r.getString(0), r.getLong(1));
    }
    ObjectNode columns = QualityReport.columnStats(written, clean);
    QualityReport.topValues(written, columns);
    q.set("columns", columns);
    q.set("label", QualityReport.labelBalance(written, config));
    return q;
  }

  private String path(String child) {
    return new Path(workDir, child).toString();
  }

  private void describe(String what) {
    spark.sparkContext().setJobDescription(what);
  }

  private static long secondsSince(long nanos) {
    return Math.round((System.nanoTime() - nanos) / 1e9);
  }
}
