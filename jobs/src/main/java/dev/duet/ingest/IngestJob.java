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
import static org.apache.spark.sql.functions.monotonically_increasing_id;
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
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw data → clean, split Parquet plus quarantine, with every row accounted for.
 *
 * <p>Rows are cast, normalised and tagged by {@link RowTagger}. One pass over the input writes
 * the clean table (partitioned by {@code split}) and counts the rows read and clean as observed
 * metrics of the same job; the input is read a second time, to write the quarantine and count
 * the rows per rule, only when some row broke a rule. Statistics come from the written Parquet (a
 * columnar read). The caller publishes the work dir with {@code quality.json} from the result.
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
    try {
      return ingest();
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
  }

  private IngestResult ingest() {
    long started = System.nanoTime();
    RowTagger.Tagged tagged = RowTagger.tag(read(), config);

    // One pass over the input writes the clean table; its row counts ride along as observed
    // metrics of that same job. Counting per rule there would cost every row one comparison per
    // rule (thousands for a wide table): the counts come from the quarantine pass, over tagged rows only.
    Observation rowCounts = new Observation("ingest-rows");
    Dataset<Row> observed = tagged.rows().observe(rowCounts, count(lit(1)).as("read"),
        countWhere(col(RULE).isNull()).as("clean"));

    Dataset<Row> clean = observed.where(col(RULE).isNull())
        .select(config.columns().stream().map(c -> ref(c.name())).toArray(Column[]::new));
    Observation gaps = new Observation("ingest-gaps");
    clean = CleanFrame.imputeConstants(CleanFrame.observeGaps(clean, config, gaps), config);
    clean = CleanFrame.dedup(clean, config.dedupKey())
        .withColumn(ConfigLoader.ROW_ID_COLUMN, monotonically_increasing_id()); // kept by the median rewrite
    clean = CleanFrame.split(CleanFrame.derive(clean, config.derived()), config);

    describe("ingest: read, check and write clean from " + source.path());
    writeClean(clean, path(CLEAN));

    Map<String, Object> counts = metrics(rowCounts);
    long read = asLong(counts.get("read"));
    long cleanBeforeDedup = asLong(counts.get("clean"));
    if (read == 0) {
      throw new InputException("Input " + source.path() + " holds no rows: nothing to ingest");
    }

    describe("ingest: write quarantine");
    Map<String, Long> byRule = writeQuarantine(read > cleanBeforeDedup);
    long broken = byRule.values().stream().mapToLong(Long::longValue).sum();
    if (broken != read - cleanBeforeDedup) {
      // The quarantine comes from a second read of the input; the two must agree row for row.
      throw new IllegalStateException("Row accounting does not add up: the first pass found " + (read - cleanBeforeDedup)
          + " rows that break a rule, the second " + broken + " (did the input change during the run?)");
    }
    long dropped = byRule.entrySet().stream().filter(e -> e.getKey().startsWith(DROP_PREFIX))
        .mapToLong(Map.Entry::getValue).sum();
    long quarantined = broken - dropped;
    LOG.info("ingest: read {} rows from {} file(s): {} pass the rules, {} quarantined, {} dropped ({}s)",
        read, source.files().size(), cleanBeforeDedup, quarantined, dropped, secondsSince(started));

    Map<String, Long> imputed = fillMedianGaps(gaps);

    describe("ingest: statistics");
    Dataset<Row> written = spark.read().parquet(path(CLEAN));
    long cleanRows = written.count();
    long duplicates = cleanBeforeDedup - cleanRows;
    ObjectNode quality = quality(written, read, cleanRows, quarantined, duplicates, dropped, byRule, imputed);
    LOG.info("ingest: {} clean rows ({} duplicates removed), statistics done ({}s)",
        cleanRows, duplicates, secondsSince(started));
    return new IngestResult(read, cleanRows, quarantined, duplicates, dropped, byRule, quality);
  }

  /** Partitioned by split; two open writers per task instead of a sort by the partition column. */
  private void writeClean(Dataset<Row> clean, String target) {
    clean.write().mode(SaveMode.ErrorIfExists)
        .option("maxConcurrentOutputFileWriters", "4")
        .partitionBy(ConfigLoader.SPLIT_COLUMN).parquet(target);
  }

  /**
   * The quarantine takes a second, filtering read of the input, only when the first pass saw
   * rows that break a rule (clean input costs one pass); it counts those rows per rule (drops
   * included, though they are not written) as observed metrics of its write.
   */
  private Map<String, Long> writeQuarantine(boolean any) {
    RowTagger.Tagged tagged = RowTagger.tag(read(), config);
    Dataset<Row> broken = tagged.rows().where(col(RULE).isNotNull());
    Observation ruleCounts = new Observation("ingest-rules");
    if (any) {
      List<Column> counters = tagged.rules().stream().map(r -> countWhere(col(RULE).equalTo(r)).as(r)).toList();
      broken = broken.observe(ruleCounts, counters.get(0), counters.subList(1, counters.size()).toArray(Column[]::new));
    } else {
      broken = spark.createDataFrame(List.of(), broken.schema()); // same schema, no second read
    }
    broken.where(col(RULE).startsWith(DROP_PREFIX).unary_$bang())
        .select(col(RAW).as("raw_record"), col(RULE).as("rule"), col(DETAIL).as("reason"),
            col(SOURCE).as("source_file"))
        .write().mode(SaveMode.ErrorIfExists).parquet(path(QUARANTINE));
    Map<String, Long> byRule = new TreeMap<>();
    if (any) {
      metrics(ruleCounts).forEach((rule, n) -> {
        if (asLong(n) > 0) {
          byRule.put(rule, asLong(n));
        }
      });
    }
    return byRule;
  }

  /**
   * Median imputation needs the clean rows' median, known only after the pass that wrote them.
   * When a median-imputed column had gaps, the median is taken over the written rows and the
   * table is rewritten once (a columnar Parquet-to-Parquet pass) with the gaps filled and the
   * derived columns recomputed. Without gaps, nothing more is read.
   */
  private Map<String, Long> fillMedianGaps(Observation gaps) {
    Map<String, Long> imputed = new LinkedHashMap<>();
    List<String> toFill = new ArrayList<>();
    Map<String, Object> seen = metrics(gaps);
    for (ColumnSpec c : config.columns()) {
      if (c.nulls() == PipelineConfig.NullPolicy.IMPUTE) {
        long nulls = asLong(seen.get(CleanFrame.gapsName(c.name())));
        imputed.put(c.name(), nulls);
        if (c.imputesMedian() && nulls > 0) {
          toFill.add(c.name());
        }
      }
    }
    if (toFill.isEmpty()) {
      return imputed;
    }
    describe("ingest: fill median gaps " + toFill);
    Dataset<Row> before = spark.read().parquet(path(CLEAN)).drop(ConfigLoader.SPLIT_COLUMN);
    for (var d : config.derived()) {
      before = before.drop(d.name());
    }
    Map<String, Double> medians = CleanFrame.medians(before, toFill);
    medians.forEach((column, median) -> {
      if (median == null) {
        throw new InputException("Cannot impute the median of " + column + ": it has no values");
      }
    });
    String filled = path(CLEAN + ".filled");
    writeClean(CleanFrame.split(CleanFrame.derive(CleanFrame.imputeMedians(before, medians), config.derived()), config),
        filled);
    replace(path(CLEAN), filled);
    LOG.info("ingest: filled median gaps {} with {}", imputed, medians);
    return imputed;
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

  private void replace(String target, String replacement) {
    try {
      org.apache.hadoop.fs.FileSystem fs = workDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.delete(new Path(target), true) || !fs.rename(new Path(replacement), new Path(target))) {
        throw new java.io.IOException("rename " + replacement + " -> " + target + " failed");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot replace " + target + ": " + e.getMessage(), e);
    }
  }

  /** The metrics an action observed; the action has finished, so this does not wait. */
  private static Map<String, Object> metrics(Observation observation) {
    try {
      return observation.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while reading " + observation.name(), e);
    }
  }

  private static Column countWhere(Column condition) {
    return sum(when(condition, 1L).otherwise(0L));
  }

  private static long asLong(Object v) {
    return v == null ? 0L : ((Number) v).longValue();
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
