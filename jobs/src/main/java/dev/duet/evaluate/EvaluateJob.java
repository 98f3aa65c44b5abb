package dev.duet.evaluate;

import dev.duet.contracts.ModelCard.CurvePoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.BuildInfo;
import dev.duet.config.EvaluateConfig;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.contracts.StageLayout;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.store.ContentHash;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import dev.duet.training.ClassDictionary;
import dev.duet.training.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every finished model of a run → metrics on the common test split, the ML-vs-DL head-to-head,
 * a recommendation, the blessing decision, charts, {@code report.html}/{@code report.json}, and
 * this run's leaderboard row (published with the rest: see {@link Leaderboard}). Works with either branch alone.
 */
public final class EvaluateJob {
  public static final String REPORT_HTML = "report.html";
  public static final String REPORT_JSON = StageLayout.EVALUATE_REPORT;
  public static final String METRICS = "metrics.json";
  public static final String BLESSING = "blessing.json";
  public static final String LEADERBOARD_ROW = Leaderboard.ROW;
  public static final String PLOTS = "plots";
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final RunStore store;
  private final String runId;
  private final Path workDir;

  public EvaluateJob(SparkSession spark, PipelineConfig config, RunStore store, String runId, Path workDir) {
    this.spark = spark;
    this.config = config;
    this.store = store;
    this.runId = runId;
    this.workDir = workDir;
  }

  /** Checks that need no Spark: at least one finished branch, a metric that fits the label. */
  /** The leaderboard row of the pipeline's most recently evaluated blessed run (run_id, best_model…), if any. */
  public static Optional<JsonNode> latestBlessed(RunStore store, String pipeline) {
    List<JsonNode> rows = new Leaderboard(store, pipeline).entries();
    for (int i = rows.size() - 1; i >= 0; i--) {
      if (rows.get(i).path("blessed").asBoolean(false)) {
        return Optional.of(rows.get(i));
      }
    }
    return Optional.empty();
  }

  public static Branches check(RunStore store, PipelineConfig config, String runId) {
    Branches b = Branches.read(store, config.pipeline(), runId);
    if (b.candidates().isEmpty()) {
      throw new InputException("Run " + runId + " of " + config.pipeline() + " has no finished training branch to"
          + " evaluate (" + String.join("; ", b.missing()) + "): run ./duet train-ml or ./duet train-dl first");
    }
    Metric m = config.evaluate().primaryFor(b.classes());
    if (m.binaryOnly() && b.classes() != 2) {
      throw new InputException("Cannot rank by evaluate.primary_metric " + m.key() + ": the label has " + b.classes()
          + " classes and " + m.key() + " needs two");
    }
    return b;
  }

  /** @param branches what {@link #check} found for this run */
  public EvaluateResult run(Branches branches) {
    EvaluateConfig ev = config.evaluate();
    int classes = branches.classes();
    Metric metric = ev.primaryFor(classes);
    List<String> classNames = ClassDictionary.namesOf(
        ClassDictionary.of(store.fs(), store.stage(config.pipeline(), runId, StageLayout.INGEST).dir()), classes);
    List<Scored> scored = new ArrayList<>();
    int i = 0;
    for (Candidate c : branches.candidates()) {
      long t0 = System.nanoTime();
      spark.sparkContext().setJobGroup("evaluate:" + c.id(), "evaluate: metrics of " + c.id(), false);
      Dataset<Row> predictions = spark.read().parquet(c.predictions().toString());
      Metrics m = Metrics.withRoc(predictions, classes);
      m.json().path("per_class").forEach(pc -> ((ObjectNode) pc).put("name", classNames.get(pc.path("class").asInt())));
      scored.add(new Scored(c, m));
      LOG.info("evaluate: [{}/{}] {}: {} {} on {} test rows ({} s)", ++i, branches.candidates().size(), c.id(),
          metric.key(), Recommendation.fmt(m.get(metric)), m.json().path("rows").asLong(),
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    }
    spark.sparkContext().clearJobGroup();
    List<Scored> ranked = Scored.rank(scored, metric);
    Optional<Scored> classic = Scored.bestOf(ranked, Family.CLASSIC);
    Optional<Scored> deep = Scored.bestOf(ranked, Family.DEEP);
    Significance significance = significance(ranked, classic, deep, classes, classNames, metric);
    Recommendation recommendation = Recommendation.of(classic, deep, metric, ev, significance);
    List<JsonNode> history = new Leaderboard(store, config.pipeline()).entries();
    Scored best = ranked.get(0);

    // Measured by the training stages, on their best model by this metric: here only read.
    Map<String, List<CurvePoint>> curves = new LinkedHashMap<>();
    ranked.stream().filter(s -> !s.candidate().card().learningCurve().isEmpty())
        .forEach(s -> curves.put(s.candidate().id(), s.candidate().card().learningCurve()));
    Map<String, byte[]> charts = charts(ranked, classic, deep, classNames, metric);
    if (!curves.isEmpty()) {
      charts.put("Learning curve", Charts.learningCurve(curves, metric));
    }
    Budgets budgets = new Budgets(branches.stages());
    if (java.util.Arrays.stream(Family.values()).anyMatch(f -> !budgets.trace(f).isEmpty())) {
      charts.put("Anytime", Charts.anytime(budgets, metric));
    }
    // Last of the decisions: a claim on the bar is final, so as little as possible comes after it.
    Blessing blessing = significance.learned(best)
        ? Blessing.decide(store.fs(), store.pipelineDir(config.pipeline()), runId, metric, best.score(metric),
            ev.blessMargin())
        : Blessing.unlearned(best.score(metric), "No model learned anything useful: the best, " + best.candidate().id()
            + ", has " + significance.lift(best) + (ev.minLift() > 0 ? ", against evaluate.min_lift " + ev.minLift()
            : "") + ", so nothing is blessed.");
    LOG.info("evaluate: best {} ({} {}); {}; {}", best.candidate().id(), metric.key(),
        Recommendation.fmt(best.score(metric)), blessing.blessed() ? "blessed" : "not blessed", recommendation.verdict());
    String now = Instant.now().toString();
    ObjectNode entry = Json.object();
    entry.put("run_id", runId);
    entry.put("evaluated_at", now);
    entry.put("metric", metric.key());
    entry.put("best_model", best.candidate().id());
    Json.putNumber(entry, "best_score", best.score(metric));
    Json.putNumber(entry, "no_skill_score", significance.baseline().get(metric));
    entry.put("blessed", blessing.blessed());
    ObjectNode models = entry.putObject("models");
    ranked.forEach(s -> Json.putNumber(models, s.candidate().id(), s.score(metric)));
    List<JsonNode> withThisRun = new ArrayList<>(history.stream()
        .filter(e -> !runId.equals(e.path("run_id").asText())).toList());
    withThisRun.add(entry);

    long testRows = best.metrics().json().path("rows").asLong() + best.metrics().json().path("unlabelled_rows").asLong();
    Report report = new Report(config.pipeline(), runId, config.task().name().toLowerCase(Locale.ROOT), config.label(),
        config.dataKind(), ev.tieMargin(), classes, classNames, testRows, metric, now, ranked, significance, recommendation,
        HeadToHead.of(classic, deep, metric, config, curves, significance, budgets),
        blessing, branches.missing(), charts, curves, budgets, withThisRun, BuildInfo.version() + " (" + BuildInfo.gitSha() + ")");

    FileSystem fs = store.fs();
    ObjectNode metricsJson = Json.object();
    ranked.forEach(s -> metricsJson.set(s.candidate().id(), s.metrics().json()));
    Json.write(fs, new Path(workDir, METRICS), metricsJson);
    Json.write(fs, new Path(workDir, REPORT_JSON), report.toJson());
    Json.write(fs, new Path(workDir, BLESSING), blessing.toJson(metric, best.candidate().id()));
    for (Map.Entry<String, byte[]> chart : charts.entrySet()) {
      write(fs, new Path(new Path(workDir, PLOTS), slug(chart.getKey()) + ".png"), chart.getValue());
    }
    write(fs, new Path(workDir, REPORT_HTML), HtmlReport.render(report).getBytes(StandardCharsets.UTF_8));
    Json.write(fs, new Path(workDir, Leaderboard.ROW), entry);
    return new EvaluateResult(report, lineage(branches));
  }

  /**
   * The no-skill baseline on the same test rows, each model's lift over it and the gap between
   * the families' best, each with its paired bootstrap interval (seeded by the split's seed).
   */
  private Significance significance(List<Scored> ranked, Optional<Scored> classic, Optional<Scored> deep, int classes,
      List<String> classNames, Metric metric) {
    long t0 = System.nanoTime();
    spark.sparkContext().setJobGroup("evaluate:no-skill", "evaluate: the no-skill baseline and the bootstrap", false);
    try {
      NoSkill noSkill = NoSkill.of(store.fs(), store.stage(config.pipeline(), runId, StageLayout.INGEST).dir(), classes,
          classNames);
      Metrics baseline = Metrics.of(noSkill.predictions(spark.read().parquet(
          ranked.get(0).candidate().predictions().toString())), classes);
      List<Bootstrap.Rows> rows = ranked.stream()
          .map(s -> Bootstrap.Rows.of(spark.read().parquet(s.candidate().predictions().toString()), classes)).toList();
      Bootstrap bootstrap = Bootstrap.of(metric, noSkill.rows(rows.get(0)), rows, config.split().seed());
      Map<String, Bootstrap.Interval> lifts = new LinkedHashMap<>();
      for (int i = 0; i < ranked.size(); i++) {
        lifts.put(ranked.get(i).candidate().id(), bootstrap.lift(i, better(metric, ranked.get(i).score(metric),
            baseline.get(metric))));
      }
      Optional<Bootstrap.Interval> gap = classic.isPresent() && deep.isPresent()
          ? Optional.of(bootstrap.gap(ranked.indexOf(deep.get()), ranked.indexOf(classic.get()),
              better(metric, deep.get().score(metric), classic.get().score(metric))))
          : Optional.empty();
      Significance s = new Significance(noSkill.describe(classNames), baseline, lifts, gap, config.evaluate().minLift());
      LOG.info("evaluate: {} ({}): {} {}; {} resamples of {} test rows ({} s)", NoSkill.NAME, s.baselineDescription(),
          metric.key(), Recommendation.fmt(baseline.get(metric)), Bootstrap.RESAMPLES, bootstrap.rows(),
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
      ranked.forEach(r -> LOG.info("evaluate: {}: {}{}", r.candidate().id(), s.lift(r),
          s.learned(r) ? "" : ": has not learned anything useful"));
      return s;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** How much better {@code a} scores than {@code b} in the metric's direction. */
  private static double better(Metric metric, double a, double b) {
    return metric.higherIsBetter() ? a - b : b - a;
  }

  private static Map<String, byte[]> charts(List<Scored> ranked, Optional<Scored> classic, Optional<Scored> deep,
      List<String> classNames, Metric metric) {
    int classes = classNames.size();
    Map<String, byte[]> charts = new LinkedHashMap<>();
    if (classes == 2) {
      charts.put("ROC curves", Charts.roc(ranked));
    }
    charts.put(metric.key() + " vs training time", Charts.scoreVersusTime(ranked, metric));
    if (classes > 0) {
      classic.ifPresent(s -> charts.put("Confusion matrix " + s.candidate().id(), Charts.confusion(s, classNames)));
      deep.ifPresent(s -> charts.put("Confusion matrix " + s.candidate().id(), Charts.confusion(s, classNames)));
    }
    ranked.stream().filter(s -> !s.candidate().card().epochs().isEmpty())
        .forEach(s -> charts.put("Training curve " + s.candidate().id(), Charts.epochs(s)));
    List<Scored> best = java.util.stream.Stream.of(classic, deep).flatMap(Optional::stream)
        .filter(s -> !s.candidate().permutationTop(1).isEmpty()).toList();
    if (!best.isEmpty()) {
      charts.put("Permutation importance", Charts.permutationImportance(best, metric));
    }
    return charts;
  }

  /** Raw input → ingest → models → this report, with hashes, config hashes and versions per stage. */
  private ObjectNode lineage(Branches branches) {
    ObjectNode lineage = Json.object();
    for (String stage : List.of(StageLayout.INGEST, StageLayout.TRAIN_ML, StageLayout.TRAIN_DL)) {
      StageOutput out = store.stage(config.pipeline(), runId, stage);
      if (!out.isComplete()) {
        continue;
      }
      JsonNode manifest = Json.read(store.fs(), new Path(out.dir(), StageOutput.MANIFEST));
      ObjectNode s = lineage.putObject(stage);
      s.put("path", out.dir().toString());
      s.set("config_sha256", manifest.path("config_sha256"));
      s.set("versions", manifest.path("versions"));
      s.set("inputs", manifest.path("inputs"));
      s.set("outputs", manifest.path("outputs"));
    }
    ArrayNode models = lineage.putArray("models");
    for (Candidate c : branches.candidates()) {
      ObjectNode m = models.addObject();
      m.put("model", c.id());
      m.put("path", c.model().toString());
      m.set("hash", ContentHash.of(store.fs(), c.model(), ContentHash.DEFAULT_MAX_BYTES));
      m.put("predictions", c.predictions().toString());
    }
    return lineage;
  }

  private static void write(FileSystem fs, Path file, byte[] bytes) {
    try (OutputStream out = fs.create(file, true)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static String slug(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }
}
