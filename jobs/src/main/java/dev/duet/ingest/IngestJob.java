package dev.duet.ingest;

import static dev.duet.ingest.RowTagger.DETAIL;
import static dev.duet.ingest.RowTagger.DROP_PREFIX;
import static dev.duet.ingest.RowTagger.RAW;
import static dev.duet.ingest.RowTagger.RULE;
import static dev.duet.ingest.RowTagger.SOURCE;
import static dev.duet.ingest.RowTagger.ref;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.Format;
import dev.duet.contracts.InputException;
import dev.duet.contracts.StageLayout;
import dev.duet.drift.Drift;
import dev.duet.ingest.SourceDescription.Layout;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
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
  public static final String QUARANTINE = "quarantine";
  /** quality.json: the median each median-imputed column imputes with (what scoring imputes with too). */
  public static final String IMPUTED_MEDIANS = "imputed_medians";
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
  /** A quarantined row: the record as read, the first rule it broke, why, and its file. */
  private static final StructType QUARANTINE_SCHEMA = new StructType()
      .add("raw_record", DataTypes.StringType).add("rule", DataTypes.StringType)
      .add("reason", DataTypes.StringType).add("source_file", DataTypes.StringType);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final SourceDescription source;
  private final Path workDir;
  /** Medians of an earlier ingest to impute with (scoring); null: fitted on this input. */
  private final Map<String, Double> recordedMedians;
  /** The median of every median-imputed column, as this ingest imputed it. */
  private final Map<String, Double> medians = new LinkedHashMap<>();
  /** Per file read whole, the line separator it ends its lines with: probed once, read by every pass. */
  private final Map<String, String> lineSeparators = new HashMap<>();

  /**
   * @param spark   the session; ingest runs on a child session with its own SQL settings
   * @param workDir where clean/ and quarantine/ are written (the stage's temp dir)
   */
  public IngestJob(SparkSession spark, PipelineConfig config, SourceDescription source, Path workDir) {
    this(spark, config, source, workDir, null);
  }

  /**
   * New rows checked by the rules of an earlier ingest: its config ({@link PipelineConfig#forScoring})
   * and the medians it imputed with ({@code imputed_medians} in its quality.json), not ones fitted here.
   */
  public static IngestJob withRecordedMedians(SparkSession spark, PipelineConfig config, SourceDescription source,
      Path workDir, Map<String, Double> medians) {
    return new IngestJob(spark, config, source, workDir, Map.copyOf(medians));
  }

  private IngestJob(SparkSession spark, PipelineConfig config, SourceDescription source, Path workDir,
      Map<String, Double> recordedMedians) {
    this.spark = spark.newSession();
    // Null-on-failure casts are what the type rule detects; ANSI mode would throw instead.
    this.spark.conf().set("spark.sql.ansi.enabled", "false");
    this.spark.conf().set("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    // A timestamp without an offset means the same instant on every machine of the cluster.
    this.spark.conf().set("spark.sql.session.timeZone", "UTC");
    // The checks of a wide table are thousands of predicates; inferring constraints from them
    // (which ingest's plans never use) took a third of a 785-column ingest's time before its first job.
    this.spark.conf().set("spark.sql.constraintPropagation.enabled", "false");
    this.config = config;
    this.source = source;
    this.workDir = workDir;
    this.recordedMedians = recordedMedians;
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
    CleanPass pass = writeClean(Set.of());
    Set<String> whole = pass.splitRecords().isEmpty() ? Set.of() : spanningRecords(pass.splitRecords());
    if (!whole.isEmpty()) {
      LOG.info("ingest: {} file(s) hold quoted fields that span lines, reading them whole: {}", whole.size(), whole);
      delete(path(StageLayout.CLEAN));
      pass = writeClean(whole);
    }
    long read = pass.read();
    long cleanBeforeDedup = pass.clean();
    if (read == 0) {
      throw new InputException("Input " + source.path() + " holds no rows: nothing to ingest");
    }

    describe("ingest: write quarantine");
    Map<String, Long> byRule = writeQuarantine(read > cleanBeforeDedup, whole);
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
    double share = (double) quarantined / read;
    double ceiling = config.input().maxQuarantinedShare();
    if (cleanBeforeDedup == 0 || share > ceiling) {
      String counts = byRule.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", "));
      String reasons = firstReasons();
      String kept = keepRejected();
      throw new InputException((cleanBeforeDedup == 0 ? "No row of " + source.path() + " passes the rules (" + counts + ")"
          : String.format(Locale.ROOT, "%,d of the %,d rows of %s are quarantined (%.1f%%, above input.max_quarantined_share"
              + " %s; %s)", quarantined, read, source.path(), 100 * share, ceiling, counts))
          + ": nothing is published" + (reasons.isEmpty() ? "" : "; first reasons: " + reasons)
          + "; the quarantine is kept at " + kept);
    }
    Observation gaps = pass.gaps();

    Map<String, Long> imputed = fillMedianGaps(gaps);

    describe("ingest: statistics");
    Dataset<Row> written = spark.read().parquet(path(StageLayout.CLEAN));
    long cleanRows = written.count();
    long duplicates = cleanBeforeDedup - cleanRows;
    ObjectNode quality = quality(written, read, cleanRows, quarantined, duplicates, dropped, byRule, imputed);
    for (ColumnSpec c : config.columns()) {
      if (quality.path("columns").path(c.name()).path("nulls").asLong() == cleanRows) {
        // Most often a misspelt JSON key or the wrong file: a column with no value teaches nothing.
        throw new InputException("Column " + c.name() + " is null in all " + cleanRows + " clean rows of "
            + source.path() + ": check its name and the input (nothing is published)");
      }
    }
    LOG.info("ingest: {} clean rows ({} duplicates removed), statistics done ({}s)",
        cleanRows, duplicates, secondsSince(started));
    return new IngestResult(read, cleanRows, quarantined, duplicates, dropped, byRule, quality);
  }

  /**
   * How this ingest's clean rows drifted from those of an earlier ingest of the pipeline (both
   * splits), per column as {@code duet score} measures it: {@code quality.json}'s {@code drift}.
   *
   * @param previousIngest the earlier run's {@code ingest/} output
   */
  public ObjectNode driftFrom(String previousRun, Path previousIngest) {
    describe("ingest: drift from run " + previousRun);
    try {
      Dataset<Row> before = spark.read().parquet(new Path(previousIngest, StageLayout.CLEAN).toString());
      Dataset<Row> now = spark.read().parquet(path(StageLayout.CLEAN));
      Set<String> earlier = Set.of(before.columns());
      ObjectNode drift = Json.object();
      drift.put("against_run", previousRun);
      ObjectNode notCompared = Json.object();
      List<String> candidates = new ArrayList<>();
      config.columns().forEach(c -> candidates.add(c.name()));
      config.derived().forEach(d -> candidates.add(d.name()));
      List<String> shared = candidates.stream().filter(earlier::contains).toList();
      candidates.stream().filter(c -> !earlier.contains(c)).forEach(c -> notCompared.put(c, "not in run " + previousRun));
      ObjectNode columns = Drift.measure(before, now, Drift.comparable(config, now.schema(), shared, notCompared),
          config.score().drift());
      drift.set("columns", columns);
      drift.set("not_compared", notCompared);
      var flagged = drift.putArray("flagged");
      Drift.flagged(columns).forEach(flagged::add);
      LOG.info("ingest: drift from the clean rows of run {}: {}", previousRun,
          flagged.isEmpty() ? "nothing flagged" : "flagged " + flagged);
      return drift;
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
  }

  /** What the clean pass counted: rows read and clean, files whose records came apart, the gaps to impute. */
  private record CleanPass(long read, long clean, Set<String> splitRecords, Observation gaps) {}

  /**
   * One pass over the input writes the clean table; its row counts ride along as observed
   * metrics of that same job. Counting per rule there would cost every row one comparison per
   * rule (thousands for a wide table): the counts come from the quarantine pass, over broken rows only.
   */
  private CleanPass writeClean(Set<String> wholeFiles) {
    RowTagger.Tagged tagged = RowTagger.tag(read(wholeFiles), config);
    Observation rowCounts = new Observation("ingest-rows");
    char quote = config.input().options().getOrDefault("quote", "\"").charAt(0);
    Column raw = col(RAW);
    Column unbalanced = col(RULE).equalTo("parse").and(pmod(length(raw).minus(length(
        regexp_replace(raw, java.util.regex.Pattern.quote(String.valueOf(quote)), ""))), lit(2)).equalTo(1));
    Dataset<Row> observed = tagged.rows().observe(rowCounts, count(lit(1)).as("read"),
        countWhere(col(RULE).isNull()).as("clean"),
        collect_set(config.input().format() == Format.CSV ? when(unbalanced, col(SOURCE)) : lit(null).cast("string"))
            .as("split_records"));

    Dataset<Row> clean = observed.where(col(RULE).isNull())
        .select(config.columns().stream().map(c -> ref(c.name())).toArray(Column[]::new));
    Observation gaps = new Observation("ingest-gaps");
    clean = CleanFrame.imputeConstants(CleanFrame.observeGaps(clean, config, gaps), config);
    clean = CleanFrame.dedup(clean, config.dedupKey())
        .withColumn(ConfigLoader.ROW_ID_COLUMN, monotonically_increasing_id()); // kept by the median rewrite
    clean = CleanFrame.split(CleanFrame.derive(clean, config.derived()), config);

    describe("ingest: read, check and write clean from " + source.path());
    writeClean(clean, path(StageLayout.CLEAN));
    Map<String, Object> counts = metrics(rowCounts);
    Set<String> split = new java.util.TreeSet<>();
    Object files = counts.get("split_records");
    if (files instanceof scala.collection.Iterable<?> set) {
      scala.collection.JavaConverters.asJavaIterable(set).forEach(f -> split.add(qualified(String.valueOf(f))));
    } else if (files instanceof java.util.Collection<?> set) {
      set.forEach(f -> split.add(qualified(String.valueOf(f))));
    }
    return new CleanPass(asLong(counts.get("read")), asLong(counts.get("clean")), split, gaps);
  }

  /**
   * Read line by line (in parallel, splitting large files), a quoted field that spans lines comes
   * apart and leaves a fragment with an unbalanced quote among the malformed records; so does a
   * malformed line with a stray quote, which read whole would swallow the lines up to the next
   * quote. A flagged file counts as holding multi-line records when reading it whole loses no
   * more records than the malformed ones of the line-by-line read (the fragments it joins).
   */
  private Set<String> spanningRecords(Set<String> flagged) {
    Map<String, long[]> byLine = countsPerFile(flagged, false);
    Map<String, long[]> whole = countsPerFile(flagged, true);
    Set<String> out = new java.util.TreeSet<>();
    byLine.forEach((file, lines) -> {
      long[] records = whole.getOrDefault(file, new long[2]);
      if (records[0] >= lines[0] - lines[1]) {
        out.add(file);
      } else {
        LOG.info("ingest: {} has quotes that do not close; read line by line, its malformed lines are quarantined", file);
      }
    });
    return out;
  }

  /** Records and malformed records per file, reading {@code files} line by line or whole. */
  private Map<String, long[]> countsPerFile(Set<String> files, boolean whole) {
    describe("ingest: count records of " + files.size() + " file(s) " + (whole ? "read whole" : "line by line"));
    Map<String, long[]> out = new HashMap<>();
    // Pruned to the corrupt-record column alone, the parser would not check a record's fields.
    spark.conf().set("spark.sql.csv.parser.columnPruning.enabled", "false");
    try {
      for (Layout layout : source.layouts()) {
        String[] mine = layout.files().stream().map(Path::toString).filter(files::contains).toArray(String[]::new);
        if (mine.length == 0) {
          continue;
        }
        for (Row r : readCsv(layout, mine, whole).groupBy(functions.input_file_name())
            .agg(count(lit(1)), count(col(RowTagger.CORRUPT))).collectAsList()) {
          out.put(qualified(r.getString(0)), new long[] {r.getLong(1), r.getLong(2)});
        }
      }
    } finally {
      spark.conf().unset("spark.sql.csv.parser.columnPruning.enabled");
    }
    return out;
  }

  /** input_file_name()'s URI as the probe names the file. */
  private static String qualified(String uri) {
    return new Path(java.net.URI.create(uri)).toString();
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
  private Map<String, Long> writeQuarantine(boolean any, Set<String> wholeFiles) {
    Map<String, Long> byRule = new TreeMap<>();
    if (!any) {
      // Same schema, no second read and no second plan of the checks (seconds for a wide table).
      spark.createDataFrame(List.of(), QUARANTINE_SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(path(QUARANTINE));
      return byRule;
    }
    RowTagger.Tagged tagged = RowTagger.tag(read(wholeFiles), config);
    Observation ruleCounts = new Observation("ingest-rules");
    List<Column> counters = tagged.rules().stream().map(r -> countWhere(col(RULE).equalTo(r)).as(r)).toList();
    Dataset<Row> broken = tagged.rows().where(col(RULE).isNotNull())
        .observe(ruleCounts, counters.get(0), counters.subList(1, counters.size()).toArray(Column[]::new));
    broken.where(col(RULE).startsWith(DROP_PREFIX).unary_$bang())
        .select(col(RAW), col(RULE), col(DETAIL), col(SOURCE)).toDF(QUARANTINE_SCHEMA.fieldNames())
        .write().mode(SaveMode.ErrorIfExists).parquet(path(QUARANTINE));
    metrics(ruleCounts).forEach((rule, n) -> {
      if (asLong(n) > 0) {
        byRule.put(rule, asLong(n));
      }
    });
    return byRule;
  }

  /**
   * Median imputation needs the clean rows' median, known only after the pass that wrote them:
   * it is taken over the written rows (one columnar aggregation) for every median-imputed column,
   * gaps or not, since scoring new rows imputes with it. When a column had gaps, the table is
   * rewritten once (a Parquet-to-Parquet pass) with them filled and the derived columns recomputed.
   */
  private Map<String, Long> fillMedianGaps(Observation gaps) {
    Map<String, Long> imputed = new LinkedHashMap<>();
    List<String> byMedian = new ArrayList<>();
    Map<String, Object> seen = metrics(gaps);
    for (ColumnSpec c : config.columns()) {
      if (c.nulls() == PipelineConfig.NullPolicy.IMPUTE) {
        imputed.put(c.name(), asLong(seen.get(CleanFrame.gapsName(c.name()))));
        if (c.imputesMedian()) {
          byMedian.add(c.name());
        }
      }
    }
    if (byMedian.isEmpty()) {
      return imputed;
    }
    Dataset<Row> before = spark.read().parquet(path(StageLayout.CLEAN)).drop(ConfigLoader.SPLIT_COLUMN);
    for (var d : config.derived()) {
      before = before.drop(d.name());
    }
    if (recordedMedians == null) {
      describe("ingest: medians of " + byMedian);
      medians.putAll(CleanFrame.medians(before, byMedian));
    } else {
      byMedian.forEach(c -> medians.put(c, recordedMedians.get(c)));
    }
    medians.forEach((column, median) -> {
      if (median == null) {
        throw new InputException("Cannot impute the median of " + column + ": "
            + (recordedMedians == null ? "it has no values" : "the training run's ingest recorded none"));
      }
    });
    List<String> toFill = byMedian.stream().filter(c -> imputed.get(c) > 0).toList();
    if (toFill.isEmpty()) {
      return imputed;
    }
    describe("ingest: fill median gaps " + toFill);
    String filled = path(StageLayout.CLEAN + ".filled");
    writeClean(CleanFrame.split(CleanFrame.derive(CleanFrame.imputeMedians(before, medians), config.derived()), config),
        filled);
    replace(path(StageLayout.CLEAN), filled);
    LOG.info("ingest: filled median gaps {} with {}", imputed, medians);
    return imputed;
  }

  /**
   * The input's rows, each declared column as the input holds it (strings for text formats, so
   * that every cast is ours to check and report) plus the corrupt-record column.
   *
   * @param wholeFiles CSV files read whole ({@code multiLine}), for quoted fields that span lines
   */
  private Dataset<Row> read(Set<String> wholeFiles) {
    Format format = config.input().format();
    if (format == Format.PARQUET) {
      return spark.read().options(config.input().options()).parquet(source.path().toString());
    }
    if (format == Format.JSON) {
      return readJson();
    }
    Dataset<Row> out = null;
    for (Layout layout : source.layouts()) {
      for (boolean whole : new boolean[] {false, true}) {
        String[] files = layout.files().stream().map(Path::toString).filter(f -> wholeFiles.contains(f) == whole)
            .toArray(String[]::new);
        if (files.length > 0) {
          Dataset<Row> part = readCsv(layout, files, whole);
          out = out == null ? part : out.union(part);
        }
      }
    }
    return out;
  }

  /**
   * Files of one header, read by position. A header with a blank name or a name repeated (in any
   * case) gets internal names instead, so that names the config does not use cannot clash;
   * declared columns take theirs. RFC 4180 escapes a quote by doubling it: that is the default
   * escape unless the options set one. Files read whole are read with their own line separator.
   */
  private Dataset<Row> readCsv(Layout layout, String[] files, boolean whole) {
    if (!whole || config.input().options().containsKey("lineSep")) {
      return readCsv(layout, files, whole, null);
    }
    // Read whole, univocity makes "\n" of a "\r\n" inside quotes (RFC 4180 keeps a field's bytes)
    // unless Spark is given the line separator: each file is read with the one it ends its lines with.
    Map<String, List<String>> bySeparator = new TreeMap<>();
    for (String f : files) {
      String separator = lineSeparators.computeIfAbsent(f, file -> SourceProbe.lineSeparator(source.fs(), new Path(file)));
      bySeparator.computeIfAbsent(separator, k -> new ArrayList<>()).add(f);
    }
    Dataset<Row> out = null;
    for (Map.Entry<String, List<String>> e : bySeparator.entrySet()) {
      Dataset<Row> part = readCsv(layout, e.getValue().toArray(String[]::new), true, e.getKey());
      out = out == null ? part : out.union(part);
    }
    return out;
  }

  private Dataset<Row> readCsv(Layout layout, String[] files, boolean whole, String lineSeparator) {
    List<String> names = layout.header().isEmpty()
        ? config.columns().stream().map(ColumnSpec::name).toList()
        : layout.header();
    boolean clashes = names.stream().anyMatch(String::isBlank)
        || names.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).distinct().count() < names.size();
    List<String> fields = new ArrayList<>();
    StructType schema = new StructType();
    for (int i = 0; i < names.size(); i++) {
      fields.add(clashes ? "_duet_c" + i : names.get(i));
      schema = schema.add(fields.get(i), DataTypes.StringType, true);
    }
    schema = schema.add(RowTagger.CORRUPT, DataTypes.StringType, true);
    DataFrameReader reader = spark.read().option("escape", "\"").options(config.input().options()).schema(schema)
        .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", RowTagger.CORRUPT)
        .option("header", String.valueOf(SourceProbe.csvHasHeader(config.input())))
        .option("multiLine", String.valueOf(whole));
    if (lineSeparator != null) {
      reader = reader.option("lineSep", lineSeparator);
    }
    List<Column> declared = new ArrayList<>();
    for (ColumnSpec c : config.columns()) {
      declared.add(ref(fields.get(names.indexOf(c.name()))).as(c.name()));
    }
    declared.add(col(RowTagger.CORRUPT));
    return reader.csv(files).select(declared.toArray(Column[]::new));
  }

  /**
   * JSON read as text, then parsed: the raw record (a line of JSON lines; an element of a document
   * read whole, {@link JsonDocumentRecords}) is what {@link JsonRecordCheck} inspects, and what
   * the quarantine keeps for a record it or the parser rejects.
   */
  private Dataset<Row> readJson() {
    StructType schema = new StructType();
    for (ColumnSpec c : config.columns()) {
      schema = schema.add(c.name(), DataTypes.StringType, true);
    }
    Set<String> declared = new java.util.HashSet<>();
    config.columns().forEach(c -> declared.add(c.name()));
    Dataset<Row> records = null;
    for (Layout layout : source.layouts()) {
      String[] files = layout.files().stream().map(Path::toString).toArray(String[]::new);
      Dataset<Row> part = layout.jsonDocuments()
          ? spark.read().option("wholetext", "true").text(files)
              .select(explode(functions.udf(new JsonDocumentRecords(), DataTypes.createArrayType(DataTypes.StringType))
                  .apply(col("value"))).as("value"))
          : spark.read().text(files).where(trim(col("value")).notEqual(""));
      Column problem = functions.udf(new JsonRecordCheck(declared, layout.jsonDocuments() ? "array element" : "line"),
          DataTypes.StringType).apply(col("value"));
      part = part.select(col("value"), problem.as(RowTagger.PROBLEM));
      records = records == null ? part : records.union(part);
    }
    Dataset<Row> parsed = records.select(col("value"), col(RowTagger.PROBLEM),
        from_json(col("value"), schema, config.input().options()).as("_duet_json"));
    List<Column> out = new ArrayList<>();
    for (ColumnSpec c : config.columns()) {
      out.add(col("_duet_json").getField(c.name()).as(c.name()));
    }
    out.add(when(col(RowTagger.PROBLEM).isNotNull(), col("value")).as(RowTagger.CORRUPT));
    out.add(col(RowTagger.PROBLEM));
    return parsed.select(out.toArray(Column[]::new));
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
    rows.put("quarantined_share", (double) quarantined / read);
    rows.put("max_quarantined_share", config.input().maxQuarantinedShare());
    rows.put("duplicates_removed", duplicates);
    rows.put("dropped", dropped);
    rows.put("accounting", "read = clean + quarantined + duplicates_removed + dropped");
    ObjectNode rules = q.putObject("quarantine_by_rule");
    ObjectNode drops = q.putObject("dropped_by_rule");
    byRule.forEach((rule, n) -> (rule.startsWith(DROP_PREFIX) ? drops : rules).put(rule, n));
    ObjectNode imp = q.putObject("imputed");
    imputed.forEach(imp::put);
    ObjectNode byMedian = q.putObject(IMPUTED_MEDIANS);
    medians.forEach(byMedian::put);
    ObjectNode splits = q.putObject("split");
    for (Row r : written.groupBy(ConfigLoader.SPLIT_COLUMN).count().collectAsList()) {
      splits.put(r.getString(0), r.getLong(1));
    }
    if (recordedMedians != null) {
      return q; // rows to score: their accounting is all the scoring run publishes; drift describes the columns
    }
    ObjectNode columns = QualityReport.columnStats(written, clean);
    QualityReport.topValues(written, columns);
    q.set("columns", columns);
    q.set("label", QualityReport.labelBalance(written, config));
    return q;
  }

  /** The reasons of the first quarantined rows, distinct, for the line that refuses the input. */
  private String firstReasons() {
    List<String> reasons = new ArrayList<>();
    for (Row r : spark.read().parquet(path(QUARANTINE)).select("reason").limit(20).collectAsList()) {
      if (reasons.size() < 3 && r.getString(0) != null && !reasons.contains(r.getString(0))) {
        reasons.add(r.getString(0));
      }
    }
    return String.join(" | ", reasons);
  }

  /**
   * When no row is clean (or too few are) nothing is published, but the quarantine says why: it
   * moves beside the run's stages as {@code ingest.rejected/}, replacing an earlier one.
   */
  private String keepRejected() {
    Path kept = new Path(workDir.getParent(), StageLayout.INGEST + ".rejected");
    try {
      org.apache.hadoop.fs.FileSystem fs = workDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(kept, true);
      if (!fs.rename(new Path(path(QUARANTINE)), kept)) {
        throw new java.io.IOException("rename to " + kept + " failed");
      }
      return fs.makeQualified(kept).toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot keep the quarantine at " + kept + ": " + e.getMessage(), e);
    }
  }

  private void delete(String target) {
    try {
      workDir.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(new Path(target), true);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot delete " + target + ": " + e.getMessage(), e);
    }
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
