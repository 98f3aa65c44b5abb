package dev.duet.verdict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.contracts.InputException;
import dev.duet.contracts.StageLayout;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import dev.duet.verdict.Claim.Evidence;
import dev.duet.verdict.PipelineRow.Best;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verdict across pipelines: reads the latest evaluated run of every pipeline in the store
 * (evaluate's report.json), puts the best classic model beside the best network per pipeline,
 * judges each claim of the usual ML-vs-DL table on those numbers, and publishes
 * {@code <store>/verdict/} ({@code verdict.json}, {@code report.html}, manifest). Reads no data
 * and needs no Spark: only the store.
 */
public final class VerdictJob {
  public static final String JSON = "verdict.json";
  public static final String HTML = "report.html";
  private static final Logger LOG = LoggerFactory.getLogger(VerdictJob.class);
  private static final Map<String, Integer> LEVEL = Map.of("high", 3, "medium", 2, "low", 1);
  private static final Set<String> UNSTRUCTURED = Set.of("images", "text");

  private final RunStore store;

  public VerdictJob(RunStore store) {
    this.store = store;
  }

  /** What was published: where, how many pipelines, and a line per claim (its finding). */
  public record Result(Path dir, int pipelines, List<String> findings) {}

  public Result run() {
    List<PipelineRow> rows = latestEvaluations();
    if (rows.isEmpty()) {
      throw new InputException("No pipeline in " + store.root() + " has an evaluated run: run evaluate first");
    }
    List<Claim> claims = claims(rows);
    String at = Instant.now().toString();
    StageOutput out = store.verdict();
    out.recover();
    out.begin();
    try {
      ObjectNode json = toJson(rows, claims, at);
      out.writeJson(JSON, json);
      write(out.work(HTML), VerdictPage.render(rows, claims, at));
      ObjectNode manifest = Json.object();
      manifest.put("stage", StageLayout.VERDICT);
      manifest.put("created_at", at);
      ArrayNode read = manifest.putArray("inputs");
      rows.forEach(r -> read.addObject().put("pipeline", r.pipeline()).put("run_id", r.runId()));
      manifest.putObject("outputs").put("verdict", JSON).put("report", HTML);
      out.publish(manifest);
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    }
    return new Result(out.dir(), rows.size(),
        claims.stream().map(c -> c.statement() + ": " + c.finding().label()).toList());
  }

  /** Per pipeline directory, the run whose published evaluation is the newest. */
  private List<PipelineRow> latestEvaluations() {
    FileStatus[] published;
    try {
      published = store.fs().globStatus(new Path(store.root(),
          "*/*/" + StageLayout.EVALUATE + "/" + StageOutput.SUCCESS));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the evaluations in " + store.root() + ": " + e.getMessage(), e);
    }
    Map<String, JsonNode> latest = new LinkedHashMap<>();
    for (FileStatus success : published == null ? new FileStatus[0] : published) {
      Path evaluate = success.getPath().getParent();
      String pipeline = evaluate.getParent().getParent().getName();
      Path report = new Path(evaluate, StageLayout.EVALUATE_REPORT);
      JsonNode doc;
      try {
        doc = Json.read(store.fs(), report);
      } catch (UncheckedIOException e) {
        LOG.warn("verdict: {} cannot be read ({}): left out", report, e.getMessage());
        continue;
      }
      JsonNode seen = latest.get(pipeline);
      if (seen == null || doc.path("evaluated_at").asText().compareTo(seen.path("evaluated_at").asText()) > 0) {
        latest.put(pipeline, doc);
      }
    }
    List<PipelineRow> rows = new ArrayList<>();
    latest.forEach((pipeline, doc) -> {
      try {
        rows.add(PipelineRow.of(pipeline, doc));
      } catch (IllegalArgumentException e) {
        LOG.warn("verdict: the report of {} names no metric Duet knows ({}): left out", pipeline, e.getMessage());
      }
    });
    rows.sort(Comparator.comparing(PipelineRow::pipeline));
    rows.forEach(r -> LOG.info("verdict: {} ({}): run {}, {}", r.pipeline(), r.kind(), r.runId(),
        r.hasBoth() ? String.format(Locale.ROOT, "%s %.4f vs %s %.4f by %s", r.classic().get().model(),
            r.classic().get().score(), r.deep().get().model(), r.deep().get().score(), r.metric().key())
            : "one family only"));
    return rows;
  }

  /** The claims of the usual ML-vs-DL table, each judged on every pipeline with both families. */
  static List<Claim> claims(List<PipelineRow> all) {
    List<PipelineRow> rows = all.stream().filter(PipelineRow::hasBoth).toList();
    List<Claim> claims = new ArrayList<>();
    claims.add(Claim.judge("data_needed", "Deep learning needs more data than classic ML",
        "on the learning curves, the network loses more of its score than the classic model when both are refitted"
            + " on the smallest fraction of their rows (by more than the tie margin)", rows, r -> {
          double c = PipelineRow.dropAtSmallest(r.classic(), r.metric());
          double d = PipelineRow.dropAtSmallest(r.deep(), r.metric());
          if (Double.isNaN(c) || Double.isNaN(d)) {
            return Evidence.none("no learning curve for both families (evaluate.learning_curve)");
          }
          String numbers = String.format(Locale.ROOT, "at %.0f%% of the rows %s drops %.4f, classic %.4f",
              PipelineRow.smallestFraction(r.deep()) * 100, r.metric().key(), d, c);
          return Math.abs(d - c) <= r.tieMargin() ? Evidence.none(numbers + " (within the margin)")
              : new Evidence(d > c, numbers);
        }));
    claims.add(Claim.judge("feature_engineering",
        "Classic ML needs engineered features; deep learning learns its own from raw inputs",
        "the network, fed raw columns, scores within the tie margin of the classic model on its engineered features,"
            + " or better", rows, r -> r.undecided() ? Evidence.none(gap(r) + " (" + UNDECIDED_WHY + ")")
            : new Evidence(!r.winner().equals("classic"), gap(r))));
    claims.add(Claim.judge("compute", "Deep learning needs more compute",
        "the network used more executor CPU seconds to train than the classic model, or GPUs", rows, r -> {
          Best c = r.classic().orElseThrow();
          Best d = r.deep().orElseThrow();
          return new Evidence(d.cpuSeconds() > c.cpuSeconds() || d.gpus() > c.gpus(), String.format(Locale.ROOT,
              "network %.1f CPU s%s, classic %.1f CPU s (×%s)", d.cpuSeconds(), d.gpus() > 0 ? " + " + d.gpus()
                  + " GPU(s)" : "", c.cpuSeconds(), ratio(d.cpuSeconds(), c.cpuSeconds())));
        }));
    claims.add(Claim.judge("training_time", "Deep learning takes longer to train",
        "the network's training wall time is longer than the classic model's", rows, r -> {
          Best c = r.classic().orElseThrow();
          Best d = r.deep().orElseThrow();
          return new Evidence(d.trainSeconds() > c.trainSeconds(), String.format(Locale.ROOT,
              "network %.1f s, classic %.1f s (×%s)", d.trainSeconds(), c.trainSeconds(),
              ratio(d.trainSeconds(), c.trainSeconds())));
        }));
    claims.add(Claim.judge("equal_budget", "At an equal training budget, classic ML gives the better model",
        "on pipelines whose two families trained within the same budget (budget: in the config, or --budget), the"
            + " classic model beats the network by more than the tie margin", rows, r -> r.equalBudget().isEmpty()
            ? Evidence.none("no equal budget (trained without one, or with different ones)")
            : atBudget(r, winnerEvidence(r, "classic"))));
    claims.add(Claim.judge("interpretability", "Classic ML is more interpretable",
        "the classic model's interpretability (what its training stage says can be read of it) is above the"
            + " network's", rows, r -> {
          String c = r.classic().orElseThrow().interpretability();
          String d = r.deep().orElseThrow().interpretability();
          if (!LEVEL.containsKey(c) || !LEVEL.containsKey(d)) {
            return Evidence.none("interpretability not recorded");
          }
          return new Evidence(LEVEL.get(c) > LEVEL.get(d), "classic " + c + ", network " + d);
        }));
    claims.add(Claim.judge("unstructured", "Deep learning wins on images and text",
        "on image and text pipelines, the network beats the classic model by more than the tie margin",
        rows, r -> !UNSTRUCTURED.contains(r.kind()) ? Evidence.none("not images or text")
            : winnerEvidence(r, "deep")));
    claims.add(Claim.judge("tabular", "Classic ML wins on tabular data",
        "on tabular pipelines, the classic model beats the network by more than the tie margin",
        rows, r -> !r.kind().equals("tabular") ? Evidence.none("not tabular") : winnerEvidence(r, "classic")));
    return List.copyOf(claims);
  }

  private static final String UNDECIDED_WHY = "undecided: neither best model beats the no-skill baseline beyond chance";

  private static Evidence winnerEvidence(PipelineRow r, String expected) {
    return r.winner().equals("tie") ? Evidence.none(gap(r) + " (a tie)")
        : r.undecided() ? Evidence.none(gap(r) + " (" + UNDECIDED_WHY + ")")
        : new Evidence(r.winner().equals(expected), gap(r));
  }

  private static Evidence atBudget(PipelineRow r, Evidence e) {
    return new Evidence(e.supports(), String.format(Locale.ROOT, "at %.0f s each: %s", r.equalBudget().orElseThrow(),
        e.because()));
  }

  /** The two best scores and the gap, in words. */
  static String gap(PipelineRow r) {
    Best c = r.classic().orElseThrow();
    Best d = r.deep().orElseThrow();
    return String.format(Locale.ROOT, "%s %s %.4f, %s %.4f (classic ahead by %+.4f, margin %.3f)", r.metric().key(),
        c.model(), c.score(), d.model(), d.score(), r.gap(), r.tieMargin());
  }

  static String ratio(double a, double b) {
    return b > 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "n/a";
  }

  private static ObjectNode toJson(List<PipelineRow> rows, List<Claim> claims, String at) {
    ObjectNode j = Json.object();
    j.put("created_at", at);
    ArrayNode pipelines = j.putArray("pipelines");
    for (PipelineRow r : rows) {
      ObjectNode p = pipelines.addObject();
      p.put("pipeline", r.pipeline());
      p.put("run_id", r.runId());
      p.put("evaluated_at", r.evaluatedAt());
      p.put("kind", r.kind());
      p.put("metric", r.metric().key());
      p.put("train_rows", r.trainRows());
      p.put("test_rows", r.testRows());
      r.classic().ifPresent(b -> best(p.putObject("best_classic"), b));
      r.deep().ifPresent(b -> best(p.putObject("best_network"), b));
      if (r.hasBoth()) {
        Json.putNumber(p, "gap", r.gap());
        p.put("winner", r.winner());
        Best c = r.classic().get();
        Best d = r.deep().get();
        ratioOrNull(p, "training_time_ratio", d.trainSeconds(), c.trainSeconds());
        ratioOrNull(p, "compute_ratio", d.cpuSeconds(), c.cpuSeconds());
        p.put("crossover", r.crossover());
      }
      r.equalBudget().ifPresentOrElse(b -> p.put("equal_budget_seconds", b), () -> p.putNull("equal_budget_seconds"));
    }
    ArrayNode cs = j.putArray("claims");
    for (Claim c : claims) {
      ObjectNode o = cs.addObject();
      o.put("claim", c.key());
      o.put("statement", c.statement());
      o.put("test", c.test());
      o.put("finding", c.finding().label());
      ArrayNode e = o.putArray("evidence");
      c.evidence().forEach(e::add);
    }
    return j;
  }

  private static void best(ObjectNode o, Best b) {
    o.put("model", b.model());
    Json.putNumber(o, "score", b.score());
    o.put("train_seconds", b.trainSeconds());
    o.put("train_executor_cpu_seconds", b.cpuSeconds());
    o.put("gpus", b.gpus());
    o.put("interpretability", b.interpretability());
  }

  private static void ratioOrNull(ObjectNode o, String key, double a, double b) {
    if (b > 0) {
      o.put(key, a / b);
    } else {
      o.putNull(key);
    }
  }

  private void write(Path file, String text) {
    try (OutputStream s = store.fs().create(file, true)) {
      s.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
