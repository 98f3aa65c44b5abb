package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.contracts.StageLayout;
import dev.duet.evaluate.Branches;
import dev.duet.evaluate.EvaluateJob;
import dev.duet.evaluate.EvaluateResult;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Every finished model of a run -> test-split metrics, the ML-vs-DL head-to-head and a"
        + " recommendation, the blessing decision, charts, report.html and report.json under"
        + " <store>/<pipeline>/<run>/evaluate/, and the run's leaderboard row (leaderboard-row.json)."
        + " Default run: the latest one that finished a training stage.")
final class EvaluateCommand extends StageCommand {
  private String run;
  private Branches branches;

  @Override
  String stageName() {
    return StageLayout.EVALUATE;
  }

  @Override
  String defaultRunId(PipelineConfig config, RunStore store) {
    return store.latestRunWith(config.pipeline(), StageLayout.TRAIN_ML, StageLayout.TRAIN_DL)
        .orElseThrow(() -> new dev.duet.contracts.InputException("No run of " + config.pipeline() + " in " + store.root()
            + " has finished train-ml or train-dl: train a branch first"));
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    branches = EvaluateJob.check(store, config, runId);
    run = runId;
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    EvaluateResult r = new EvaluateJob(spark, config, store(spark), run, out.work()).run(branches);
    var stdout = out();
    stdout.printf("evaluate: %d models; best %s (%s); %s%n", r.models(), r.bestModel(), r.metricSummary(),
        r.blessed() ? "blessed" : "not blessed");
    stdout.printf("evaluate: %s%n", r.verdict());
    stdout.printf("evaluate: report: %s%n", new Path(out.dir(), EvaluateJob.REPORT_HTML));
    return manifests.start(started)
        .output("report", EvaluateJob.REPORT_HTML, null)
        .output("report_json", EvaluateJob.REPORT_JSON, null)
        .output("metrics", EvaluateJob.METRICS, null)
        .output("blessing", EvaluateJob.BLESSING, null)
        .output("plots", EvaluateJob.PLOTS, null)
        .output("leaderboard_row", EvaluateJob.LEADERBOARD_ROW, null)
        .section("lineage", r.lineage())
        .build(Instant.now());
  }
}
