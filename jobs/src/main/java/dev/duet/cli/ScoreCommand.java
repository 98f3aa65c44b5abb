package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.StageLayout;
import dev.duet.ingest.IngestJob;
import dev.duet.score.ScoreJob;
import dev.duet.score.ScoredModel;
import dev.duet.store.ContentHash;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true,
    description = "New rows -> predictions of a trained model (the latest blessed one unless --model names one),"
        + " checked by that training run's own ingest rules, with drift from its train split: predictions/,"
        + " quarantine/, drift.json and report.html under <store>/<pipeline>/score/<run-id>/. --fail-on-drift"
        + " exits 3 after publishing when a column or the prediction drifted.")
final class ScoreCommand extends StageCommand {
  /** Exit code of a scoring run that published its outputs and found drift, under --fail-on-drift. */
  static final int DRIFTED = 3;

  @Option(names = "--input", required = true, paramLabel = "PATH|URI",
      description = "The rows to score: a file or directory in the pipeline's input format, any Hadoop URI.")
  String input;

  @ArgGroup(exclusive = true)
  Choice choice = new Choice();

  static final class Choice {
    @Option(names = "--model", paramLabel = "RUN/MODEL",
        description = "The model to apply: <training-run-id>/<model>, e.g. 20261201-120000/gbt or .../dl:mlp.")
    String model;

    @Option(names = "--blessed", description = "Apply the best model of the latest blessed run (the default).")
    boolean blessed;
  }

  @Option(names = "--fail-on-drift", description = "Exit 3 (after publishing) when drift is flagged.")
  boolean failOnDrift;

  private ScoreJob job;

  @Override
  String stageName() {
    return StageLayout.SCORE;
  }

  @Override
  void checkRunId() {
    // A scoring run lives in <pipeline>/score/, where a stage's name would read as a run's stage.
    options.checkRunId(Set.of(StageLayout.INGEST, StageLayout.TRAIN_ML, StageLayout.TRAIN_DL, StageLayout.EVALUATE));
  }

  @Override
  StageOutput output(RunStore runStore, PipelineConfig config, String run) {
    return runStore.scoring(config.pipeline(), run);
  }

  @Override
  void prepare(PipelineConfig config, Configuration hadoopConf, RunStore store, String runId) {
    ScoredModel model = ScoredModel.resolve(store, config, Optional.ofNullable(choice.model));
    job = ScoreJob.prepare(model, config, input, hadoopConf);
  }

  @Override
  public Integer call() {
    int code = super.call();
    if (code != DuetMain.OK || !failOnDrift) {
      return code;
    }
    // Read from the published output: a rerun that skips a finished scoring run answers the same.
    var drift = Json.read(lastOutput().fs(), new Path(lastOutput().dir(), StageLayout.DRIFT));
    if (drift.path("flagged").size() > 0) {
      out().printf("score: drift flagged in %s (--fail-on-drift): exit %d%n", drift.path("flagged"), DRIFTED);
      out().flush();
      return DRIFTED;
    }
    return code;
  }

  @Override
  ObjectNode execute(SparkSession spark, PipelineConfig config, StageOutput out, Manifests manifests) {
    Instant started = Instant.now();
    ScoredModel model = job.model();
    ScoreJob.Result r = job.run(spark, out.work(), out.fs());
    out.writeJson(StageLayout.DRIFT, r.drift());
    out.writeBytes(ScoreJob.REPORT_HTML, job.page(manifests.runId(), r).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    out().printf("score: read %,d rows: %,d predicted by %s, %,d quarantined, %,d dropped%n", r.rows().read(),
        r.predicted(), model.id(), r.rows().quarantined(), r.rows().dropped());
    out().printf("score: drift: %s%n", r.drifted() ? "flagged " + r.drift().path("flagged") : "nothing flagged");
    out().printf("score: report: %s%n", new Path(out.dir(), ScoreJob.REPORT_HTML));
    ObjectNode lineage = Json.object();
    lineage.put("training_run", model.runId());
    lineage.put("model", model.id());
    lineage.put("family", model.card().family().title());
    lineage.put("model_path", model.modelPath().toString());
    lineage.put("rules", new Path(model.ingestDir(), StageLayout.INGEST_CONFIG).toString());
    return manifests.start(started)
        .input("raw", job.source().path().toString(), r.rows().read(),
            ContentHash.of(job.source().fs(), job.source().path(), ContentHash.DEFAULT_MAX_BYTES))
        .output("predictions", ScoreJob.PREDICTIONS, r.predicted())
        .output("quarantine", IngestJob.QUARANTINE, r.rows().quarantined())
        .output("drift", StageLayout.DRIFT, null)
        .output("report", ScoreJob.REPORT_HTML, null)
        .section("lineage", lineage)
        .build(Instant.now());
  }
}
