package dev.duet.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.ColumnType;
import dev.duet.config.PipelineConfig.DerivedColumn;
import dev.duet.config.PipelineConfig.InputConfig;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.contracts.InputException;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.Predictions;
import dev.duet.contracts.StageLayout;
import dev.duet.drift.Drift;
import dev.duet.ingest.IngestJob;
import dev.duet.ingest.IngestResult;
import dev.duet.ingest.SourceDescription;
import dev.duet.ingest.SourceProbe;
import dev.duet.store.Json;
import dev.duet.training.ClassDictionary;
import dev.duet.traindl.SavedNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New rows → predictions of a trained model, with drift. The rows are checked by the training
 * run's own ingest rules (its recorded config and medians; no dedup, so every row gets a
 * prediction or a quarantine reason), the model is loaded as its stage saved it (an MLlib or
 * booster {@link PipelineModel}, or a DL4J network with its fitted encoding), and each input
 * column, and the prediction, is compared with what the model learned from ({@link Drift}).
 */
public final class ScoreJob {
  public static final String PREDICTIONS = "predictions";
  public static final String REPORT_HTML = "report.html";
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

  private final ScoredModel model;
  private final PipelineConfig scoring;
  private final SourceDescription source;
  private final List<String> keys;
  /** Columns to compare for drift, if {@link Drift#comparable}. */
  private final List<String> compared;

  private ScoreJob(ScoredModel model, PipelineConfig scoring, SourceDescription source, List<String> keys,
      List<String> compared) {
    this.model = model;
    this.scoring = scoring;
    this.source = source;
    this.keys = keys;
    this.compared = compared;
  }

  /** What the stage knows before Spark starts: the scoring rules for {@code input}, and that it has what the model reads. */
  public static ScoreJob prepare(ScoredModel model, PipelineConfig today, String input, Configuration hadoopConf) {
    PipelineConfig trained = model.trained();
    InputConfig in = new InputConfig(input, trained.input().format(), trained.input().options(),
        trained.input().maxQuarantinedShare());
    SourceDescription source = SourceProbe.probe(trained.forScoring(in, trained.columns(), trained.derived(), today.score()),
        hadoopConf);
    Set<String> present = new LinkedHashSet<>();
    for (ColumnSpec c : trained.columns()) {
      if (inHeaders(source, c.name())) {
        present.add(c.name());
      }
    }
    List<String> keys = today.score().keys();
    List<String> lackingKeys = keys.stream().filter(k -> !present.contains(k) && !inHeaders(source, k)).toList();
    if (!lackingKeys.isEmpty()) {
      throw new InputException("Input " + input + " has no key column(s) " + lackingKeys + " (score.keys)");
    }
    Set<String> read = declaredSources(trained, model.inputs());
    List<ColumnSpec> columns = new ArrayList<>(trained.columns().stream().filter(c -> present.contains(c.name()))
        .map(c -> read.contains(c.name()) ? c : relaxed(c)).toList());
    for (String k : keys) {
      if (trained.column(k) == null) {
        columns.add(keyColumn(k));
      }
    }
    Set<String> available = new LinkedHashSet<>(present);
    List<DerivedColumn> derived = new ArrayList<>();
    for (DerivedColumn d : trained.derived()) {
      boolean computable = d.from().map(available::contains)
          .orElse(present.size() == trained.columns().size()); // an expression may read any declared column
      if (computable) {
        derived.add(d);
        available.add(d.name());
      }
    }
    List<String> lacking = model.inputs().stream().filter(c -> !available.contains(c)).toList();
    if (!lacking.isEmpty()) {
      throw new InputException("Input " + input + " lacks " + lacking + ", which model " + model.id() + " reads"
          + " (directly or through a derived column)");
    }
    PipelineConfig scoring = trained.forScoring(in, columns, derived, today.score());
    // Every column the rows keep is compared but the label (its drift is the prediction's to show).
    List<String> compared = available.stream().filter(c -> !c.equals(trained.label())).toList();
    return new ScoreJob(model, scoring, source, keys, compared);
  }

  public SourceDescription source() {
    return source;
  }

  public ScoredModel model() {
    return model;
  }

  /** What a scoring run wrote into {@code workDir}: its rows, the ingest rules' accounting, drift. */
  public record Result(IngestResult rows, long predicted, ObjectNode drift) {
    public boolean drifted() {
      return drift.path("flagged").size() > 0;
    }
  }

  public Result run(SparkSession spark, Path workDir, FileSystem fs) {
    LOG.info("score: {} with the rules of run {}: {} column(s) checked, {} compared for drift", source.path(),
        model.runId(), scoring.columns().size(), compared.size());
    IngestResult rows = IngestJob.withRecordedMedians(spark, scoring, source, workDir, model.medians()).run();
    Path cleanDir = new Path(workDir, StageLayout.CLEAN);
    Dataset<Row> clean = spark.read().parquet(cleanDir.toString()).drop(ConfigLoader.SPLIT_COLUMN);
    Optional<ClassDictionary> dictionary = ClassDictionary.of(fs, model.ingestDir());
    Column label = lit(null).cast(DataTypes.DoubleType);
    if (List.of(clean.columns()).contains(scoring.label())) {
      label = dictionary.map(d -> d.index(col(scoring.label()))).orElse(col(scoring.label()).cast(DataTypes.DoubleType));
    }
    clean = clean.withColumn(Predictions.LABEL, label);

    spark.sparkContext().setJobDescription("score: predict with " + model.id());
    long started = System.nanoTime();
    Dataset<Row> predicted = predict(spark, fs, clean);
    if (dictionary.isPresent()) {
      predicted = dictionary.get().name(predicted);
    }
    Path out = new Path(workDir, PREDICTIONS);
    predicted.write().mode(SaveMode.ErrorIfExists).parquet(out.toString());
    Dataset<Row> written = spark.read().parquet(out.toString());
    long n = written.count();
    LOG.info("score: {} rows predicted by {} ({} s)", n, model.id(), Math.round((System.nanoTime() - started) / 1e9));

    spark.sparkContext().setJobDescription("score: drift");
    Dataset<Row> reference = spark.read().parquet(new Path(model.ingestDir(), StageLayout.CLEAN).toString())
        .where(col(ConfigLoader.SPLIT_COLUMN).equalTo("train"));
    ObjectNode drift = Json.object();
    drift.put("reference", "the clean train split of run " + model.runId());
    var t = scoring.score().drift();
    drift.putObject("thresholds").put("psi", t.psi()).put("ks", t.ks()).put("null_rate_change", t.nullRateChange())
        .put("unseen_rate", t.unseenRate());
    ObjectNode notCompared = Json.object();
    List<Drift.Compared> columns = Drift.comparable(scoring, clean.schema(), compared, notCompared);
    drift.set("columns", Drift.measure(reference, clean, columns, scoring.score().drift()));
    drift.set("not_compared", notCompared);
    Dataset<Row> testPredictions = spark.read().parquet(model.testPredictions().toString());
    drift.set("prediction", Drift.measure(predictionScore(testPredictions), predictionScore(written),
        List.of(new Drift.Compared("prediction", predictionKind())), scoring.score().drift()).path("prediction"));
    var flagged = drift.putArray("flagged");
    Drift.flagged(drift.path("columns")).forEach(flagged::add);
    if (drift.path("prediction").path("flagged").asBoolean()) {
      flagged.add("prediction");
    }
    LOG.info("score: drift from the train split of run {}: {}", model.runId(),
        flagged.isEmpty() ? "nothing flagged" : "flagged " + flagged);
    spark.sparkContext().setJobDescription(null);
    try {
      fs.delete(cleanDir, true); // the checked rows were only the predictions' input
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + cleanDir + ": " + e.getMessage(), e);
    }
    return new Result(rows, n, drift);
  }

  /** The scoring run's report.html. */
  public String page(String scoringRunId, Result r) {
    return ScorePage.render(scoring.pipeline(), scoringRunId, model.id(), source.path().toString(),
        r.rows().quality().path("rows"), r.predicted(), r.drift());
  }

  /** The keys, row id, label (null where the input had none), prediction and probability of every clean row. */
  private Dataset<Row> predict(SparkSession spark, FileSystem fs, Dataset<Row> clean) {
    List<Column> kept = new ArrayList<>(keys.stream().map(ScoreJob::ref).toList());
    if (model.card().family() == Family.CLASSIC) {
      Dataset<Row> out = PipelineModel.load(model.modelPath().toString()).transform(clean);
      Set<String> present = Set.of(out.columns());
      kept.add(col(Predictions.ROW_ID));
      kept.add(col(Predictions.LABEL));
      kept.add(col(Predictions.PREDICTION));
      kept.add(asArray(present, "probability").as(Predictions.PROBABILITY));
      kept.add(asArray(present, "rawPrediction").as(Predictions.RAW_SCORE));
      return out.select(kept.toArray(Column[]::new));
    }
    SavedNetwork net = SavedNetwork.load(fs, model.modelPath(), model.classes());
    List<Column> inputs = new ArrayList<>(List.of(col(Predictions.ROW_ID), col(Predictions.LABEL)));
    net.columns().forEach(c -> inputs.add(ref(c)));
    Dataset<Row> out = net.predict(spark, clean.select(inputs.toArray(Column[]::new)));
    if (keys.isEmpty()) {
      return out;
    }
    List<Column> withKeys = new ArrayList<>(List.of(col(Predictions.ROW_ID)));
    keys.forEach(k -> withKeys.add(ref(k)));
    List<Column> ordered = new ArrayList<>(keys.stream().map(ScoreJob::ref).toList());
    Predictions.COLUMNS.forEach(c -> ordered.add(col(c)));
    return out.join(clean.select(withKeys.toArray(Column[]::new)), Predictions.ROW_ID).select(ordered.toArray(Column[]::new));
  }

  /** What the prediction drift compares: the class-1 probability of a binary classifier, else the prediction. */
  private Dataset<Row> predictionScore(Dataset<Row> predictions) {
    Column score = model.classes() == 2
        ? coalesce(element_at(col(Predictions.PROBABILITY), 2), col(Predictions.PREDICTION))
        : col(Predictions.PREDICTION);
    return predictions.select((predictionKind() == Drift.Kind.CATEGORY ? score.cast(DataTypes.StringType) : score)
        .as("prediction"));
  }

  private Drift.Kind predictionKind() {
    return scoring.task() == Task.REGRESSION || model.classes() == 2 ? Drift.Kind.NUMBER : Drift.Kind.CATEGORY;
  }

  private static Column asArray(Set<String> present, String vectorColumn) {
    return present.contains(vectorColumn)
        ? org.apache.spark.ml.functions.vector_to_array(col(vectorColumn), "float64")
        : lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType));
  }

  /** Whether every file has the column (a CSV file without a header has every declared one, by position). */
  private static boolean inHeaders(SourceDescription source, String column) {
    return source.layouts().stream().allMatch(l -> l.header().isEmpty() || l.header().contains(column));
  }

  /**
   * The declared columns behind {@code inputs}: an input itself, or what a derived input is taken
   * from (an expression may read any of them).
   */
  private static Set<String> declaredSources(PipelineConfig config, List<String> inputs) {
    Set<String> out = new LinkedHashSet<>();
    for (String input : inputs) {
      if (config.column(input) != null) {
        out.add(input);
        continue;
      }
      DerivedColumn d = config.derived().stream().filter(x -> x.name().equals(input)).findFirst().orElseThrow();
      if (d.from().isPresent()) {
        out.addAll(declaredSources(config, List.of(d.from().get())));
      } else {
        config.columns().forEach(c -> out.add(c.name()));
      }
    }
    return out;
  }

  /**
   * A column the model does not read (the label's, most often) keeps its type and normalisation
   * but none of its other rules: new rows have no label yet, and an empty one must not cost a row
   * its prediction.
   */
  private static ColumnSpec relaxed(ColumnSpec c) {
    PipelineConfig.NullPolicy nulls = c.nulls() == PipelineConfig.NullPolicy.IMPUTE ? c.nulls()
        : PipelineConfig.NullPolicy.KEEP;
    return new ColumnSpec(c.name(), c.type(), c.format(), nulls, c.impute(), c.trim(), c.caseRule(), c.collapseSpaces(),
        Optional.empty(), Optional.empty(), List.of(), Optional.empty(), PipelineConfig.NonFinitePolicy.KEEP,
        PipelineConfig.UndecodablePolicy.KEEP);
  }

  /** A key the config does not declare: read as text, kept as it is, never a reason to quarantine. */
  private static ColumnSpec keyColumn(String name) {
    return new ColumnSpec(name, ColumnType.STRING, Optional.empty(), PipelineConfig.NullPolicy.KEEP, Optional.empty(),
        false, PipelineConfig.CaseRule.KEEP, false, Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
        PipelineConfig.NonFinitePolicy.KEEP, PipelineConfig.UndecodablePolicy.KEEP);
  }

  private static Column ref(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}
