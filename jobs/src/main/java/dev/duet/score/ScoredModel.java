package dev.duet.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.NetworkConfig;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCards;
import dev.duet.contracts.StageLayout;
import dev.duet.evaluate.EvaluateJob;
import dev.duet.ingest.IngestJob;
import dev.duet.store.Json;
import dev.duet.store.RunStore;
import dev.duet.store.StageOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The trained model a scoring run applies, and what its training run recorded about the rows it
 * learned from: the config its ingest ran under, the medians it imputed with, the class names.
 *
 * @param runId        the training run
 * @param card         the model's card, as its training stage wrote it
 * @param stageDir     that training stage's output directory
 * @param classes      classes of the label (0 for a regression)
 * @param trained      the config of the training run's ingest (its own copy, not today's file)
 * @param medians      the medians that ingest imputed with
 * @param ingestDir    the training run's ingest output (the clean train split is the drift reference)
 */
public record ScoredModel(String runId, ModelCard card, Path stageDir, int classes, PipelineConfig trained,
    Map<String, Double> medians, Path ingestDir) {

  /** {@code <run>/<model>} as {@code --model} names it; the model {@code dl:<name>} or {@code <name>}. */
  public String id() {
    return runId + "/" + (card.family() == Family.DEEP ? "dl:" : "") + card.name();
  }

  public Path modelPath() {
    return new Path(stageDir, card.modelPath());
  }

  public Path testPredictions() {
    return new Path(stageDir, card.predictionsPath());
  }

  /** The clean columns the model reads. */
  public List<String> inputs() {
    if (card.family() == Family.CLASSIC) {
      return trained.trainMl().orElseThrow().features().columns();
    }
    return trained.trainDl().flatMap(dl -> dl.network(card.name())).map(NetworkConfig::columns).orElseThrow();
  }

  /**
   * The model {@code --model <run>/<model>} names, or with none the best model of the pipeline's
   * latest blessed run. Every problem is an {@link InputException} naming what is missing.
   */
  public static ScoredModel resolve(RunStore store, PipelineConfig config, Optional<String> model) {
    String runId;
    String name;
    if (model.isPresent()) {
      int slash = model.get().indexOf('/');
      if (slash <= 0 || slash == model.get().length() - 1) {
        throw new InputException("Cannot read --model '" + model.get() + "': name it <run-id>/<model>, e.g. "
            + "20261201-120000/gbt or 20261201-120000/dl:mlp");
      }
      runId = model.get().substring(0, slash);
      name = model.get().substring(slash + 1);
    } else {
      JsonNode blessed = EvaluateJob.latestBlessed(store, config.pipeline()).orElseThrow(() -> new InputException(
          "Pipeline " + config.pipeline() + " has no blessed run in " + store.root() + ": run evaluate first, or name a"
              + " model with --model <run-id>/<model>"));
      runId = blessed.path("run_id").asText();
      name = blessed.path("best_model").asText();
    }
    if (!StageLayout.ID.matcher(runId).matches()) {
      throw new InputException("Cannot read --model '" + model.orElse("") + "': " + runId + " is not a run id");
    }
    FileSystem fs = store.fs();
    Path runDir = store.runDir(config.pipeline(), runId);
    if (!exists(fs, runDir)) {
      throw new InputException("Pipeline " + config.pipeline() + " has no run " + runId + " in " + store.root()
          + " (is the model of another pipeline? score it with that pipeline's config)");
    }
    boolean deep = name.startsWith("dl:");
    String bare = deep ? name.substring(3) : name;
    ModelCard card = null;
    Path stageDir = null;
    int classes = 0;
    for (Family f : deep ? List.of(Family.DEEP) : List.of(Family.CLASSIC, Family.DEEP)) {
      Path dir = new Path(runDir, f.stage());
      if (!exists(fs, new Path(dir, StageOutput.SUCCESS))) {
        continue;
      }
      ModelCards cards = ModelCards.fromJson(Json.read(fs, new Path(dir, StageLayout.MODEL_CARDS)));
      Optional<ModelCard> found = cards.models().stream().filter(c -> c.name().equals(bare)).findFirst();
      if (found.isPresent()) {
        card = found.get();
        stageDir = dir;
        classes = cards.classes();
        break;
      }
    }
    if (card == null) {
      throw new InputException("Run " + runId + " of " + config.pipeline() + " has no finished model " + name
          + " (the models are listed in its train-ml/ and train-dl/ model-cards.json)");
    }
    if (card.family() == Family.CLASSIC && card.name().equals("knn")) {
      throw new InputException("Cannot score with knn: k-NN keeps its reference rows rather than a PipelineModel;"
          + " name another model of run " + runId);
    }
    Path ingestDir = new Path(runDir, StageLayout.INGEST);
    Path configFile = new Path(ingestDir, StageLayout.INGEST_CONFIG);
    if (!exists(fs, new Path(ingestDir, StageOutput.SUCCESS)) || !exists(fs, configFile)) {
      throw new InputException("Run " + runId + " of " + config.pipeline() + " recorded no ingest config ("
          + configFile + "): it was ingested before scoring existed; re-run that run with --force");
    }
    PipelineConfig trained = ConfigLoader.parse(read(fs, configFile), configFile.toString());
    if (!trained.pipeline().equals(config.pipeline())) {
      throw new InputException("Run " + runId + " in " + runDir + " was ingested as pipeline " + trained.pipeline()
          + ", not " + config.pipeline());
    }
    JsonNode quality = Json.read(fs, new Path(ingestDir, StageLayout.QUALITY));
    Map<String, Double> medians = new LinkedHashMap<>();
    quality.path(IngestJob.IMPUTED_MEDIANS).fields().forEachRemaining(e -> medians.put(e.getKey(), e.getValue().asDouble()));
    List<String> lacking = new ArrayList<>();
    trained.columns().stream().filter(PipelineConfig.ColumnSpec::imputesMedian).map(PipelineConfig.ColumnSpec::name)
        .filter(c -> !medians.containsKey(c)).forEach(lacking::add);
    if (!lacking.isEmpty()) {
      throw new InputException("Run " + runId + " of " + config.pipeline() + " recorded no median for " + lacking
          + " in its quality.json: it was ingested before scoring existed; re-run that run with --force");
    }
    return new ScoredModel(runId, card, stageDir, classes, trained, Map.copyOf(medians), ingestDir);
  }

  private static boolean exists(FileSystem fs, Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  private static String read(FileSystem fs, Path file) {
    try (var in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
