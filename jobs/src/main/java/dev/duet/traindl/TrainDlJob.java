package dev.duet.traindl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.Budget;
import dev.duet.config.ConfigLoader;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.NetworkConfig;
import dev.duet.config.PipelineConfig;
import dev.duet.config.TrainDlConfig;
import dev.duet.contracts.ModelCard;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCard.Interpretability;
import dev.duet.contracts.ModelCards;
import dev.duet.contracts.ModelCards.AnytimePoint;
import dev.duet.contracts.ModelCards.NotTrained;
import dev.duet.contracts.StageLayout;
import dev.duet.spark.ExecutorSlots;
import dev.duet.spark.TaskCost;
import dev.duet.spark.TaskCost.Measured;
import dev.duet.store.Json;
import dev.duet.training.ClassDictionary;
import dev.duet.training.CleanTable;
import dev.duet.training.BudgetClock;
import dev.duet.training.LearningCurve;
import dev.duet.training.Labels;
import dev.duet.training.Metrics;
import dev.duet.training.PermutationImportance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clean Parquet → one or more DL4J networks, each trained data-parallel with parameter averaging
 * in turn: encodes the raw inputs (fitted on the train split), cuts minibatches per partition
 * once, trains epoch by epoch with a checkpoint after each (resumed by a rerun, network by
 * network), scores the validation slice of the train split with the pipeline's primary metric
 * after each epoch (ROC AUC, accuracy, RMSE… as evaluate ranks models), stops early on it, keeps
 * the best epoch's network and predicts the test split. Everything of a network is under its name.
 */
public final class TrainDlJob {
  public static final String NETWORKS = "networks";
  public static final String PREDICTIONS = "predictions";
  public static final String CHECKPOINTS = "checkpoints";
  /** Per network: encoding, curve, placement, cost (for people: evaluate reads the model cards). */
  public static final String SUMMARY = "train-dl.json";
  /** Test hook: a JVM property, {@code N} or {@code <network>:N}, that makes the attempt fail after that epoch's checkpoint. */
  static final String FAIL_AFTER_EPOCH = "duet.train-dl.fail-after-epoch";
  private static final Logger LOG = LoggerFactory.getLogger(TrainDlJob.class);

  private final SparkSession spark;
  private final PipelineConfig config;
  private final TrainDlConfig dl;
  private final String cleanPath;
  /** The class names of a text or boolean label: predictions carry them beside the index. */
  private final Optional<ClassDictionary> dictionary;
  private final Path workDir;
  private final Path checkpointRoot;
  private final FileSystem fs;
  private final GpuPlacement placement;
  private final int threadsPerWorker;
  private final BudgetClock clock;

  /** Of the time left for the networks, the share of one that its epochs may take (the rest: predict, importances). */
  private static final double EPOCH_SHARE = 0.85;

  /**
   * @param checkpointDir survives a failed attempt (unlike {@code workDir}): a directory per
   *                      network (the stage's carried {@code checkpoints/}, see {@link dev.duet.store.StageOutput#carry})
   * @param clock         the stage's budget, started when the stage did
   */
  public TrainDlJob(SparkSession spark, PipelineConfig config, String cleanPath, Path workDir, Path checkpointDir,
      BudgetClock clock) {
    this.spark = spark;
    this.config = config;
    this.dl = config.trainDl().orElseThrow(() -> new IllegalArgumentException("The config has no train_dl section"));
    this.cleanPath = cleanPath;
    this.dictionary = CleanTable.dictionary(spark, cleanPath);
    this.workDir = workDir;
    try {
      this.fs = workDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.checkpointRoot = checkpointDir;
    this.clock = clock;
    this.placement = GpuPlacement.of(spark.sparkContext().getConf());
    this.threadsPerWorker = spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    WorkerThreads.use(threadsPerWorker); // local mode: the driver's JVM runs the workers
  }

  /**
   * Refuses a train split too small for a network, before anything is fitted: fewer than
   * {@link CleanTable#MIN_ROWS} rows to fit on or in its validation slice, or fewer rows to fit on
   * than one minibatch.
   */
  private static void requireEnoughRows(NetworkConfig net, long labelled) {
    CleanTable.TrainRows train = CleanTable.TrainRows.of(labelled, net.maxTrainRows(), "raise the network's max_train_rows");
    long rows = train.rows();
    String counted = train.counted();
    String more = train.more();
    long validation = Math.round(rows * net.validationFraction());
    long fit = rows - validation;
    CleanTable.requireRows(validation, CleanTable.MIN_ROWS, counted, "network " + net.name()
        + "'s validation slice (validation_fraction " + net.validationFraction() + ": about " + validation + " rows)",
        "raise its validation_fraction, or " + more);
    CleanTable.requireRows(fit, CleanTable.MIN_ROWS, counted, "network " + net.name() + " fits on about " + fit
        + " of them and", "lower its validation_fraction, or " + more);
    CleanTable.requireRows(fit, net.batchSize(), counted, "network " + net.name() + " fits on about " + fit
        + " of them, and one minibatch (batch_size " + net.batchSize() + ")", "set its batch_size to at most " + fit
        + ", or " + more);
  }

  /** Where a network's saved file and its predictions are, relative to the stage's output. */
  public static String networkPath(String name) {
    return NETWORKS + "/" + name + ".zip";
  }

  public static String predictionsPath(String name) {
    return PREDICTIONS + "/" + name;
  }

  public TrainDlResult run() {
    TaskCost cost = TaskCost.attach(spark.sparkContext());
    try {
      List<String> columns = dl.networks().stream().flatMap(n -> n.columns().stream()).distinct().toList();
      CleanTable table = CleanTable.read(spark, cleanPath, config, columns);
      dl.networks().forEach(net -> requireEnoughRows(net, table.counts().trainLabelled()));
      Metric metric = config.evaluate().primaryFor(table.classes());
      List<TrainDlResult.Network> networks = new ArrayList<>();
      ObjectNode summary = Json.object();
      summary.put("classes", table.classes());
      summary.put("selection_metric", metric.key());
      summary.put("backend", Nd4j.getBackend().getClass().getSimpleName());
      ArrayNode perNetwork = summary.putArray("networks");
      List<Column> sampled = new ArrayList<>(List.of(col(ConfigLoader.ROW_ID_COLUMN), col(Labels.LABEL)));
      columns.forEach(c -> sampled.add(col(c)));
      PermutationImportance permutation = PermutationImportance.prepare(table.test().select(sampled.toArray(Column[]::new)),
          table.counts().testLabelled(), columns, metric, table.classes(), dl.networks().get(0).seed());
      ObjectNode permuted = Json.object();
      List<NotTrained> notTrained = new ArrayList<>();
      int count = dl.networks().size();
      double reserve = clock.curveReserve(!config.evaluate().learningCurve().isEmpty());
      if (clock.limited()) {
        LOG.info("train-dl: budget {} ({} s spent by earlier attempts): the {} network(s) share what is left, each at"
            + " least {} epochs", clock.budget(), Math.round(clock.spentBefore()), count, EpochPlan.MIN_EPOCHS);
      }
      for (int i = 0; i < count; i++) {
        NetworkConfig network = dl.networks().get(i);
        // The first network always trains: the family delivers a model.
        if (i > 0 && clock.left() - reserve <= 0) {
          String why = String.format(Locale.ROOT, "budget: %.0f s of %s spent before its turn", clock.elapsed(),
              clock.budget());
          LOG.info("train-dl: network {} of {}: {}: not trained ({})", i + 1, count, network.name(), why);
          notTrained.add(new NotTrained(network.name(), why));
          continue;
        }
        LOG.info("train-dl: network {} of {}: {}", i + 1, count, network.name());
        double until = clock.elapsed() + Math.max(0, clock.left() - reserve) / (count - i) * EPOCH_SHARE;
        TrainDlResult.Network r = train(network, table, metric, cost, permutation, until);
        networks.add(r);
        perNetwork.add(r.summary());
        permuted.set(network.name(), r.permutation());
      }
      List<ModelCard> cards = LearningCurve.measure(spark, fs, workDir,
          networks.stream().map(TrainDlResult.Network::card).toList(), table.classes(), metric,
          config.evaluate().learningCurve(), new Path(workDir, "_learning-curve"), this::refit, clock);
      ModelCards.Spend spend = new ModelCards.Spend(clock.budget().seconds(), clock.elapsed(),
          ExecutorSlots.of(spark.sparkContext()).taskSlots(), gpus());
      clock.save();
      return new TrainDlResult(table.rows(), List.copyOf(networks), summary,
          PermutationImportance.file(metric, permutation.rows(), permuted),
          new ModelCards(StageLayout.TRAIN_DL, table.classes(), metric.key(), cards, spend,
              BudgetClock.bestSoFar(anytime(cards), metric.higherIsBetter()), notTrained));
    } finally {
      cost.detach();
    }
  }

  /** Every network's validation score after each of its epochs, at the stage's clock when it was known. */
  private static List<AnytimePoint> anytime(List<ModelCard> cards) {
    List<AnytimePoint> points = new ArrayList<>();
    for (ModelCard card : cards) {
      for (ModelCard.Epoch e : card.epochs()) {
        if (e.stageSeconds() != null && e.validationScore() != null) {
          points.add(new AnytimePoint(e.stageSeconds(), card.name(), e.validationScore()));
        }
      }
    }
    return points;
  }

  /** One network on at most {@code rows} of the train split, with checkpoints of its own beside {@code dir}. */
  private Path refit(ModelCard card, long rows, Path dir) {
    NetworkConfig configured = dl.network(card.name()).orElseThrow().withMaxTrainRows(rows);
    // Under a budget, as many epochs as the network had: its refits are measured against it, in its budget.
    NetworkConfig one = clock.limited() ? configured.withEpochs(card.epochs().size()) : configured;
    // Counted in this stage's budget by the learning curve, which starts it only if it fits.
    new TrainDlJob(spark, config.withTrainDl(dl.only(one)).withoutLearningCurve().withBudget(Budget.NONE), cleanPath,
        dir, new Path(dir.getParent(), dir.getName() + ".checkpoints"), BudgetClock.unlimited()).run();
    return new Path(dir, predictionsPath(card.name()));
  }

  private TrainDlResult.Network train(NetworkConfig net, CleanTable table, Metric metric, TaskCost cost,
      PermutationImportance permutation, double until) {
    List<Object> cached = new ArrayList<>();
    try {
      return train(net, table, metric, cost, permutation, until, cached);
    } finally {
      uncache(cached);
    }
  }

  private static void uncache(List<Object> cached) {
    for (Object c : cached) {
      if (c instanceof JavaRDD<?> rdd) {
        rdd.unpersist(false);
      } else {
        ((Dataset<?>) c).unpersist(false);
      }
    }
    cached.clear();
  }

  /**
   * Direct: DL4J trains on the cached minibatches as they are. (Its default, Export, writes them
   * to the default Hadoop file system first and refuses a local one on a cluster.)
   */
  private static ParameterAveragingTrainingMaster master(NetworkConfig net) {
    return new ParameterAveragingTrainingMaster.Builder(net.workers(),
        net.batchSize()).batchSizePerWorker(net.batchSize()).averagingFrequency(net.averagingFrequency())
        .workerPrefetchNumBatches(net.prefetch()).rngSeed(net.seed())
        .rddTrainingApproach(RDDTrainingApproach.Direct).repartionData(Repartition.Never)
        .storageLevel(StorageLevel.MEMORY_ONLY()).build(); // DL4J persists the RDD itself: the level of cache()
  }

  /**
   * @param until under a budget, the clock reading by which its epochs end (at least
   *              {@link EpochPlan#MIN_EPOCHS} of them, on fewer rows where that is what fits)
   */
  private TrainDlResult.Network train(NetworkConfig configured, CleanTable table, Metric metric, TaskCost cost,
      PermutationImportance permutation, double until, List<Object> cached) {
    int numClasses = table.classes();
    Prepared prepared = prepare(configured, table, metric, until, cached);
    NetworkConfig net = prepared.net();
    Shards shards = prepared.shards();
    Resumed resumed = prepared.resumed();
    int minEpochs = Math.min(EpochPlan.MIN_EPOCHS, net.epochs());
    SparkComputationGraph sparkNet = new SparkComputationGraph(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        resumed.graph(), master(net));
    InputEncoding encoding = shards.encoding();
    long fitRows = shards.fitRows();
    Checkpoints checkpoints = resumed.checkpoints();
    TrainState state = resumed.state();
    int resumedFrom = state.epoch();

    double trainCpu = 0;
    double trainWall = 0;
    long trainTasks = 0;
    int first = state.stoppedEarly() ? net.epochs() + 1 : resumedFrom + 1;
    boolean outOfTime = false;
    double lastEpoch = state.curve().stream().mapToDouble(p -> p.path("epoch_seconds").asDouble(0)).max().orElse(0);
    for (int epoch = first; epoch <= net.epochs(); epoch++) {
      int e = epoch;
      if (e > minEpochs && clock.elapsed() + lastEpoch * EpochPlan.MARGIN > until) {
        LOG.info("train-dl: {}: another epoch (about {} s) would not fit in its share ({} s left): stopping after epoch"
            + " {}", net.name(), Math.round(lastEpoch), Math.round(until - clock.elapsed()), e - 1);
        outOfTime = true;
        break;
      }
      double epochStart = clock.elapsed();
      double rate = net.schedule().rate(net.learningRate(), net.decay(), e, net.epochs());
      Measured<ObjectNode> m = cost.measure("train-dl:" + net.name() + ":epoch-" + e,
          "train-dl: " + net.name() + " epoch " + e, () -> {
            long t0 = System.nanoTime();
            sparkNet.getNetwork().setLearningRate(rate); // the workers get the driver's configuration every fit
            sparkNet.fitMultiDataSet(shards.fitBatches());
            double seconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode point = Json.object();
            point.put("epoch", e);
            point.put("learning_rate", rate);
            point.put("train_loss", sparkNet.getScore());
            Dataset<Row> validation = predict(shards.validation(), sparkNet.getNetwork(), encoding, numClasses);
            Metrics v;
            if (shards.validationRows() <= Metrics.DRIVER_ROWS) {
              // Scored on the driver: one pass of the network instead of the metrics' several small jobs an epoch.
              v = Metrics.ofRows(validation.collectAsList(), numClasses);
            } else {
              // Held while Metrics reads it twice: otherwise each of its passes runs the network again.
              validation.persist(StorageLevel.MEMORY_AND_DISK());
              try {
                v = Metrics.of(validation, numClasses);
              } finally {
                validation.unpersist(false);
              }
            }
            double loss = numClasses > 0 ? v.get(Metric.LOG_LOSS) : Math.pow(v.get(Metric.RMSE) / encoding.labelScale(), 2);
            point.put("validation_loss", loss); // log loss, or MSE of the standardised label as the network fits it
            v.values().forEach((k, x) -> Json.putNumber(point, "validation_" + k.key(), x));
            point.put("seconds", seconds);
            point.put("samples_per_second", fitRows / seconds);
            return point;
          });
      ObjectNode point = m.result();
      point.put("executor_cpu_seconds", m.cost().executorCpuSeconds());
      lastEpoch = clock.elapsed() - epochStart;
      point.put("epoch_seconds", lastEpoch); // fit and validation: what the next epoch is expected to take
      point.put("stage_seconds", clock.elapsed());
      trainCpu += m.cost().executorCpuSeconds();
      trainWall += m.cost().wallSeconds();
      trainTasks += m.cost().tasks();
      // The metric evaluate ranks by (loss where it is undefined, e.g. AUC on a one-class slice):
      // under parameter averaging, and on an imbalanced label, loss and accuracy can disagree with it.
      double value = point.path("validation_" + metric.key()).asDouble(Double.NaN);
      double score = Double.isNaN(value) ? -point.get("validation_loss").asDouble()
          : metric.higherIsBetter() ? value : -value;
      Json.putNumber(point, "validation_score", value);
      state = state.after(e, point, score, net.patience(), net.epochs());
      boolean best = state.bestEpoch() == e;
      checkpoints.save(sparkNet.getNetwork(), state);
      clock.save();
      LOG.info("train-dl: {}: epoch {}/{}: train loss {}, validation loss {}, validation {} {}, lr {}, {} s ({} samples/s){}",
          net.name(), e, net.epochs(), fmt(point.get("train_loss").asDouble()),
          fmt(point.get("validation_loss").asDouble()), metric.key(), fmt(value), String.format(Locale.ROOT, "%.2g", rate),
          fmt(point.get("seconds").asDouble()), Math.round(point.get("samples_per_second").asDouble()),
          best ? " (best so far)" : "");
      String failAfter = System.getProperty(FAIL_AFTER_EPOCH, "");
      if (failAfter.equals(String.valueOf(e)) || failAfter.equals(net.name() + ":" + e)) {
        throw new IllegalStateException("stopped after epoch " + e + " of " + net.name() + " by " + FAIL_AFTER_EPOCH);
      }
      if (state.patienceOut(net.patience())) {
        LOG.info("train-dl: {}: no better validation {} for {} epochs: stopping early", net.name(), metric.key(),
            net.patience());
        break;
      }
    }
    int bestEpoch = state.bestEpoch();
    ComputationGraph bestNet = checkpoints.network(bestEpoch); // never rewritten once a state names it
    Path networkFile = new Path(workDir, networkPath(net.name()));
    checkpoints.write(bestNet, networkFile);
    SavedNetwork.writeEncoding(fs, networkFile, encoding);

    Path predictions = new Path(workDir, predictionsPath(net.name()));
    Measured<Long> predicted = cost.measure("train-dl:" + net.name() + ":predict",
        "train-dl: " + net.name() + " predicts the test split", () -> {
          Dataset<Row> rows = predict(table.test().select(shards.idLabelInputs()), bestNet, encoding, numClasses);
          dictionary.map(d -> d.name(rows)).orElse(rows).write().mode(SaveMode.ErrorIfExists)
              .parquet(predictions.toString());
          return spark.read().parquet(predictions.toString()).count();
        });

    // Over the network's own inputs: the others are left as they are, so they come out at 0.
    ObjectNode permuted = cost.measure("train-dl:" + net.name() + ":permutation",
        "train-dl: permutation importance of " + net.name(),
        () -> permutation.measure(encoding.columns(), (copies, schema) -> SavedNetwork.predict(spark, copies, bestNet,
            encoding, numClasses, placement, threadsPerWorker), net.seed()))
        .result();

    ObjectNode summary = Json.object();
    summary.put("name", net.name());
    summary.put("network", net.network().name().toLowerCase(Locale.ROOT));
    summary.put("network_path", networkPath(net.name()));
    summary.put("predictions_path", predictionsPath(net.name()));
    summary.put("inputs", encoding.width());
    ArrayNode embedded = summary.putArray("embeddings");
    encoding.embeddings().forEach(x -> embedded.addObject().put("column", x.column()).put("values", x.indices() - 1)
        .put("width", x.width()));
    summary.put("parameters", bestNet.numParams());
    summary.put("classes", numClasses);
    summary.put("train_rows", fitRows);
    summary.put("validation_rows", shards.validationRows());
    summary.put("test_rows_predicted", predicted.result());
    summary.put("workers", net.workers());
    summary.put("executors", placement.describe());
    summary.put("batch_size_per_worker", net.batchSize());
    summary.put("averaging_frequency", net.averagingFrequency());
    summary.put("epochs_configured", net.epochs());
    summary.put("epochs_run", state.epoch());
    summary.put("resumed_from_epoch", resumedFrom);
    summary.put("discarded_checkpoints_of_another_config", resumed.discarded());
    summary.put("selection_metric", metric.key());
    summary.put("best_epoch", bestEpoch);
    summary.put("stopped_early", state.stoppedEarly());
    summary.put("stopped_by_budget", outOfTime);
    summary.put("backend", Nd4j.getBackend().getClass().getSimpleName());
    summary.set("curve", state.curveJson());
    ObjectNode costJson = summary.putObject("cost");
    costJson.put("train_wall_seconds_this_attempt", trainWall);
    costJson.put("train_executor_cpu_seconds_this_attempt", trainCpu);
    costJson.put("predict_wall_seconds", predicted.cost().wallSeconds());
    costJson.put("gpus", gpus());
    long bytes = size(networkFile);
    summary.put("network_bytes", bytes);
    List<ModelCard.Epoch> epochs = state.curve().stream().map(p -> ModelCards.convert(p, ModelCard.Epoch.class)).toList();
    ModelCard card = new ModelCard(Family.DEEP, net.name(), networkPath(net.name()), predictionsPath(net.name()), fitRows,
        epochs.stream().mapToDouble(ModelCard.Epoch::seconds).sum(), // every epoch, resumed attempts included
        epochs.stream().mapToDouble(ModelCard.Epoch::executorCpuSeconds).sum(), gpus(), bytes,
        predicted.cost().wallSeconds(), predicted.result(), List.of(), Interpretability.LOW,
        "no importances built in: a network's weights are not per feature", Map.of(), epochs,
        ModelCards.convert(permuted, ModelCard.Permutation.class), List.of());
    return new TrainDlResult.Network(net.name(), fitRows, shards.validationRows(), predicted.result(), state.epoch(),
        resumedFrom, bestEpoch, state.stoppedEarly(), new TaskCost.Cost(trainWall, trainCpu, 0,
        trainTasks), predicted.cost(), bytes, summary, permuted, card);
  }

  /** A network as it trains: its config (rows cut down by a budget), minibatches, and where it starts. */
  private record Prepared(NetworkConfig net, Shards shards, Resumed resumed) {}

  /**
   * The network's minibatches and starting point; under a budget, on the rows an earlier attempt
   * chose, or on as many as give it {@link EpochPlan#MIN_EPOCHS} epochs by {@code until}.
   */
  private Prepared prepare(NetworkConfig configured, CleanTable table, Metric metric, double until,
      List<Object> cached) {
    int numClasses = table.classes();
    Optional<Long> chosen = clock.limited() ? EpochPlan.recorded(fs, checkpointRoot, configured.name()) : Optional.empty();
    NetworkConfig net = chosen.map(configured::withMaxTrainRows).orElse(configured);
    Shards shards = shards(net, table, cached);
    Resumed resumed = resume(net, shards.encoding(), numClasses, metric);
    if (!clock.limited() || chosen.isPresent() || resumed.state().epoch() > 0) {
      return new Prepared(net, shards, resumed);
    }
    long rows = shards.fitRows() + shards.validationRows();
    int minEpochs = Math.min(EpochPlan.MIN_EPOCHS, net.epochs());
    double epoch = EpochPlan.epochSeconds(JavaSparkContext.fromSparkContext(spark.sparkContext()), net, resumed.graph(),
        master(net), shards.fitBatches(), shards.batches(), shards.fitRows(), shards.validationRows());
    long fitting = EpochPlan.rowsFor(net, rows, epoch, minEpochs, until - clock.elapsed());
    if (fitting >= rows) {
      return new Prepared(net, shards, resumed);
    }
    EpochPlan.record(fs, checkpointRoot, net.name(), fitting);
    LOG.info("train-dl: {}: {} epochs of {} rows would not fit in its {} s: training on a seeded sample of {} rows",
        net.name(), minEpochs, rows, Math.round(until - clock.elapsed()), fitting);
    uncache(cached);
    NetworkConfig smaller = net.withMaxTrainRows(fitting);
    Shards fewer = shards(smaller, table, cached);
    return new Prepared(smaller, fewer, resume(smaller, fewer.encoding(), numClasses, metric));
  }

  /**
   * A network's training rows cut into minibatches, one shard per worker, and its validation
   * rows, both cached (added to {@code cached} for the caller to unpersist).
   */
  private record Shards(InputEncoding encoding, JavaRDD<MultiDataSet> fitBatches, Dataset<Row> validation,
      Column[] idLabelInputs, long fitRows, long batches, long validationRows) {}

  private Shards shards(NetworkConfig net, CleanTable table, List<Object> cached) {
    int numClasses = table.classes();
    Dataset<Row> train = table.train();
    if (net.maxTrainRows().isPresent()) {
      long rows = table.counts().trainLabelled();
      if (rows > net.maxTrainRows().get()) {
        train = CleanTable.slice(train, (double) net.maxTrainRows().get() / rows, net.seed(), true);
        LOG.info("train-dl: {}: max_train_rows {}: training on a seeded sample of the {} train rows", net.name(),
            net.maxTrainRows().get(), rows);
      }
    }
    Dataset<Row> fit = CleanTable.slice(train, net.validationFraction(), net.seed() + 1, false);
    InputEncoding encoding = InputEncoding.fit(net, fit, numClasses);
    Column[] inputs = encoding.columns().stream().map(c -> col(c)).toArray(Column[]::new);
    Column[] idLabelInputs = concat(col(ConfigLoader.ROW_ID_COLUMN), concat(col(Labels.LABEL), inputs));

    // Minibatches are cut once per network and cached; each epoch reads them again. Rows are
    // shuffled (seeded) within each worker's partition first: data in input order (MNIST's digits
    // come one class after another) would make every minibatch a single class.
    // Each of the `workers` partitions is one worker's shard for every epoch (DL4J does not
    // repartition it again, so the training stays in the stage that the GPU placement marks).
    JavaRDD<MultiDataSet> fitBatches = placement.place(Minibatches.of(fit.select(concat(col(Labels.LABEL), inputs))
        .repartition(net.workers()).sortWithinPartitions(rand(net.seed())), encoding, numClasses, net.batchSize(),
        threadsPerWorker)).cache();
    Dataset<Row> validation = CleanTable.slice(train, net.validationFraction(), net.seed() + 1, true)
        .select(idLabelInputs).persist(StorageLevel.MEMORY_ONLY());
    cached.add(fitBatches);
    cached.add(validation);
    // One job cuts and caches the minibatches and counts what is in them; one caches the validation rows.
    long[] rowsAndBatches = fitBatches.aggregate(new long[2],
        (n, batch) -> new long[] {n[0] + batch.getLabels(0).size(0), n[1] + 1},
        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    long fitRows = rowsAndBatches[0];
    long validationRows = validation.count();
    LOG.info("train-dl: {}: {} over {} inputs{}; {} train rows in {} minibatches of {}, {} validation rows; on {}",
        net.name(), net.network().name().toLowerCase(Locale.ROOT), encoding.width(),
        encoding.embeddings().isEmpty() ? "" : " (" + encoding.embeddings().size() + " embedded)", fitRows,
        rowsAndBatches[1], net.batchSize(), validationRows, placement.describe());

    return new Shards(encoding, fitBatches, validation, idLabelInputs, fitRows, rowsAndBatches[1], validationRows);
  }

  /** Where a network's training starts: its last checkpoint, or a fresh network. */
  private record Resumed(Checkpoints checkpoints, TrainState state, ComputationGraph graph, boolean discarded) {}

  private Resumed resume(NetworkConfig net, InputEncoding encoding, int numClasses, Metric metric) {
    // A checkpoint from another network, other inputs or other data would resume the wrong model.
    Checkpoints checkpoints = new Checkpoints(fs, new Path(checkpointRoot, net.name()));
    String checkpointKey = net.checkpointKey() + "|inputs=" + encoding.width() + "|words=" + encoding.wordIds()
        + "|classes=" + numClasses
        + "|metric=" + metric.key();
    TrainState state = checkpoints.state().orElse(null);
    boolean discarded = state != null && !checkpointKey.equals(state.checkpointKey());
    if (discarded) {
      LOG.warn("train-dl: {}: the checkpoints in {} were made under another train_dl config or other data: starting"
          + " afresh", net.name(), checkpoints.dir());
      checkpoints.clear();
      state = null;
    }
    if (state == null) {
      ComputationGraph graph = new ComputationGraph(Networks.build(net, encoding, numClasses));
      graph.init();
      return new Resumed(checkpoints, TrainState.fresh(checkpointKey), graph, discarded);
    }
    LOG.info("train-dl: {}: resuming after epoch {} from {}", net.name(), state.epoch(), checkpoints.dir());
    return new Resumed(checkpoints, state, checkpoints.network(state.epoch()), discarded);
  }

  /** Rows of (row_id, label, inputs…) → predictions, as {@link SavedNetwork} predicts. */
  private Dataset<Row> predict(Dataset<Row> rows, ComputationGraph net, InputEncoding encoding, int numClasses) {
    return SavedNetwork.predict(spark, rows, net, encoding, numClasses, placement, threadsPerWorker);
  }

  /** GPUs the training ran on when ND4J runs on CUDA: GPUs per executor × executors (under the mixed
   * placement the CPU executors count too: an upper bound). */
  private int gpus() {
    if (!Nd4j.getBackend().getClass().getSimpleName().toLowerCase().contains("cuda")) {
      return 0;
    }
    int perExecutor = placement.gpusPerExecutor()
        .orElse((int) spark.sparkContext().getConf().getDouble("spark.executor.resource.gpu.amount", 1));
    int executors = Math.max(1, spark.sparkContext().getExecutorMemoryStatus().size() - 1);
    return perExecutor * executors;
  }

  private long size(Path p) {
    try {
      return fs.getFileStatus(p).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Column[] concat(Column first, Column... rest) {
    Column[] all = new Column[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static String fmt(double v) {
    return String.format("%.4f", v);
  }
}
