package dev.duet.cli;

import static dev.duet.testing.Scores.accuracy;
import static dev.duet.testing.Scores.rmse;
import static dev.duet.testing.Scores.rocAuc;
import static org.apache.spark.sql.functions.col;
import static dev.duet.cli.TrainMlStore.json;
import static dev.duet.cli.TrainMlStore.shipped;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.testing.Cli;
import dev.duet.testing.Dirs;
import dev.duet.testing.SharedIngest;
import dev.duet.testing.SparkTestSession;
import dev.duet.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * train-ml on the real flights at test size (testing/TestData), ingested once for the class:
 * categoricals and a timestamp, binary and regression labels, the boosters against MLlib's GBT
 * and ranked by evaluate. The boosters on the MNIST digits: BoostersOnTheDigitsCommandTest.
 * Small tree and iteration counts: floors that catch a broken pipeline, not benchmarks.
 */
@Tag("sample-data")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainMlFlightsAndBoostersCommandTest {
  private static final String[] ALL = {"gbt", "random_forest", "decision_tree", "linear", "linear_svm", "knn"};
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  static Path tmp; // one per class: the ingested data serves every test
  private TrainMlStore trained;
  private Path store;

  @BeforeAll
  void ingestTheRealData() throws IOException {
    trained = new TrainMlStore(tmp, spark);
    store = trained.path();
    SharedIngest.into(store, "r", shipped("flights.yaml", ""), spark);
  }

  @Test
  void trainsEveryAlgorithmOnFlightsAndBoostedTreesBeatChance() throws IOException {
    Cli r = trained.run("train-ml", shipped("flights.yaml", """
        train_ml:
          features:
            categorical: [origin, destination]
            numeric: [distance]
            datetime: {date: [hour, weekday, month]}
          algorithms:
            gbt: {maxIter: [10], maxDepth: [5]}
            random_forest: {numTrees: [5], maxDepth: [5]}
            decision_tree: {maxDepth: [5]}
            linear: {maxIter: [10]}
            linear_svm: {maxIter: [5]}
            knn: {k: [15], reference_rows: 300}
        """), "--force");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("flights/r/train-ml");
    long testRows = trained.clean("flights").where("split = 'test'").count();
    for (String a : ALL) {
      assertThat(trained.predictions(out, a).count()).as("%s predicts every test row", a).isEqualTo(testRows);
    }
    double auc = rocAuc(trained.predictions(out, "gbt"));
    System.out.printf("flights GBT (10 x depth 5, %d train rows) test AUC: %.4f%n", trained.trainRows("flights"), auc);
    assertThat(auc).as("GBT AUC on the test split").isGreaterThan(0.6);

    JsonNode importances = json(out.resolve("importances.json"));
    List<String> columns = new ArrayList<>();
    importances.at("/gbt/by_column").forEach(c -> columns.add(c.at("/column").asText()));
    assertThat(columns).as("importances name the input columns")
        .containsExactlyInAnyOrder("origin", "destination", "distance", "date");
    assertThat(importances.at("/linear/top_features/0/feature").asText()).matches("(origin|destination)\\[=...]|distance|date\\[\\w+]");

    // A user applies the saved model with stock Spark to clean rows as they are.
    PipelineModel model = PipelineModel.load(out.resolve("models/gbt").toString());
    Dataset<Row> scored = model.transform(trained.clean("flights").where("split = 'test'").limit(1000));
    assertThat(scored.where("prediction IS NULL").count()).isZero();
    assertThat(scored.count()).isEqualTo(1000);
  }

  @Test
  void xgboostAndLightgbmBeatMllibGbtOnFlightsAtTheSameRoundsAndDepthAndEvaluateRanksThem() throws IOException {
    String config = shipped("flights.yaml", """
        train_ml:
          features:
            categorical: [origin, destination]
            numeric: [distance]
            datetime: {date: [hour, weekday, month]}
          algorithms:
            gbt: {maxIter: [10], maxDepth: [5]}
            xgboost: {numRound: [10], max_depth: [5], eta: [0.3]}
            lightgbm: {numIterations: [10], maxDepth: [5], numLeaves: [31], learningRate: [0.3]}
        """);
    Cli r = trained.run("train-ml", config, "--force");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("flights/r/train-ml");
    long testRows = trained.clean("flights").where("split = 'test'").count();
    double gbt = rocAuc(trained.predictions(out, "gbt"));
    for (String booster : List.of("xgboost", "lightgbm")) {
      Dataset<Row> p = trained.predictions(out, booster);
      assertThat(p.count()).as("%s predicts every test row", booster).isEqualTo(testRows);
      assertThat(p.select("row_id").distinct().count()).as("%s: each row once", booster).isEqualTo(testRows);
      assertThat(p.where("size(probability) != 2").count()).as("%s gives both class probabilities", booster).isZero();
      double auc = rocAuc(p);
      System.out.printf("flights %s (10 rounds, depth 5, %d train rows) test AUC %.4f vs MLlib GBT %.4f%n", booster,
          trained.trainRows("flights"), auc, gbt);
      assertThat(auc).as("%s test AUC against MLlib GBT's %.4f - 0.005", booster, gbt).isGreaterThan(gbt - 0.005);

      List<String> columns = new ArrayList<>();
      json(out.resolve("importances.json")).at("/" + booster + "/by_column")
          .forEach(c -> columns.add(c.at("/column").asText()));
      assertThat(columns).as("%s gains name the input columns", booster)
          .containsExactlyInAnyOrder("origin", "destination", "distance", "date");
      assertThat(json(out.resolve("importances.json")).at("/" + booster + "/kind").asText()).isEqualTo("total_gain");

      // The booster is the last stage of a PipelineModel that stock Spark loads (with the engine's jar).
      PipelineModel model = PipelineModel.load(out.resolve("models/" + booster).toString());
      Dataset<Row> scored = model.transform(trained.clean("flights").where("split = 'test'").limit(1000));
      assertThat(scored.where("prediction IS NULL").count()).isZero();
      assertThat(scored.count()).isEqualTo(1000);
    }
    JsonNode summary = json(out.resolve("train-ml.json"));
    assertThat(summary.at("/algorithms/1/model").asText()).isEqualTo("XGBoostClassificationModel");
    assertThat(summary.at("/algorithms/2/model").asText()).isEqualTo("LightGBMClassificationModel");
    assertThat(summary.at("/algorithms/1/cost/train/executor_cpu_seconds").asDouble()).isPositive();

    // evaluate ranks the boosters like every classic model, over every test row, and they explain
    // themselves by their gains (a copy of the run: the other tests retrain run r).
    for (String stage : List.of("ingest", "train-ml")) {
      Dirs.copyTree(store.resolve("flights/r/" + stage), store.resolve("flights/ranked/" + stage));
    }
    Cli evaluate = Cli.duet(tmp, "evaluate", config, store, "ranked");
    assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
    JsonNode report = json(store.resolve("flights/ranked/evaluate/report.json"));
    assertThat(report.at("/metric").asText()).isEqualTo("roc_auc");
    assertThat(report.at("/test_rows").asLong()).as("every row of the test split").isEqualTo(testRows);
    assertThat(report.at("/leaderboard")).hasSize(3)
        .allSatisfy(e -> assertThat(e.at("/metrics/roc_auc").asDouble()).as(e.at("/model").asText()).isGreaterThan(0.55));
    assertThat(report.at("/leaderboard")).filteredOn(e -> e.at("/model").asText().matches("xgboost|lightgbm"))
        .hasSize(2).allSatisfy(e -> assertThat(e.at("/interpretability").asText()).isEqualTo("medium"));
  }

  @Test
  void boostersStopEarlyOnTheRowIdValidationSliceAndSplitAirportsWithOrWithoutCategories() throws Exception {
    Cli r = trained.run("train-ml", shipped("flights.yaml", """
        train_ml:
          features:
            categorical: [origin, destination]
            numeric: [distance]
            datetime: {date: [hour]}
          max_train_rows: 100000
          algorithms:
            xgboost: {numRound: [400], max_depth: [4], eta: [0.5], numEarlyStoppingRounds: [3], categorical: ordinal}
            lightgbm: {numIterations: [400], numLeaves: [15], learningRate: [0.5], earlyStoppingRound: [3]}
        """), "--force");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("flights/r/train-ml");
    PipelineModel xgb = PipelineModel.load(out.resolve("models/xgboost").toString());
    var booster = ((ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel) xgb.stages()[xgb.stages().length - 1]);
    long xgbRounds = booster.nativeBooster().getNumBoostedRound();
    PipelineModel lgbm = PipelineModel.load(out.resolve("models/lightgbm").toString());
    var lgbmModel = (com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassificationModel) lgbm.stages()[lgbm.stages().length - 1];
    System.out.printf("early stopping: xgboost %d of 400 rounds (AUC %.4f, airports ordinal), lightgbm best iteration %d"
        + " of %d (AUC %.4f, airports as categories)%n", xgbRounds, rocAuc(trained.predictions(out, "xgboost")),
        lgbmModel.getBoosterBestIteration(), lgbmModel.getBoosterNumTotalIterations(), rocAuc(trained.predictions(out, "lightgbm")));
    assertThat(xgbRounds).as("XGBoost stopped before its 400 rounds").isLessThan(400);
    assertThat(lgbmModel.getBoosterNumTotalIterations()).as("LightGBM stopped before its 400 rounds").isLessThan(400);
  }

  @Test
  void moreXgboostWorkersThanTaskSlotsIsAnInputErrorNotAHang() throws IOException {
    Cli r = trained.run("train-ml", shipped("flights.yaml", """
        train_ml:
          features: {numeric: [distance]}
          algorithms:
            xgboost: {numRound: [5], numWorkers: [3]}
        """), "--force");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("duet train-ml: Cannot set train_ml.algorithms.xgboost.numWorkers to 3:"
        + " the application has 2 task slot(s), and XGBoost's barrier stage needs one per worker (it would wait for"
        + " the rest)");
  }

  @Test
  void regressionOnDelayMinutesBeatsPredictingTheMean() throws IOException {
    String config = shipped("flights.yaml", """
        train_ml:
          features:
            categorical: [origin, destination]
            numeric: [distance]
            datetime: {date: [hour, month]}
          algorithms:
            gbt: {maxIter: [10], maxDepth: [5]}
            linear: {regParam: [0.0, 0.1]}
            xgboost: {numRound: [10], max_depth: [5]}
            lightgbm: {numIterations: [10], maxDepth: [5], learningRate: [0.3]}
        """).replace("task: classification", "task: regression").replace("label: delayed", "label: delay");
    Cli r = trained.run("train-ml", config, "--force");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path out = store.resolve("flights/r/train-ml");
    double trainMean = trained.clean("flights").where("split = 'train'").agg(org.apache.spark.sql.functions.avg("delay"))
        .first().getDouble(0);
    Dataset<Row> gbt = trained.predictions(out, "gbt");
    double rmse = rmse(gbt, col("prediction"));
    double baseline = rmse(gbt, org.apache.spark.sql.functions.lit(trainMean));
    System.out.printf("flights delay GBT test RMSE %.3f vs %.3f predicting the mean%n", rmse, baseline);
    assertThat(rmse).as("GBT RMSE below the mean's").isLessThan(baseline);
    for (String booster : List.of("xgboost", "lightgbm")) {
      double boosted = rmse(trained.predictions(out, booster), col("prediction"));
      System.out.printf("flights delay %s test RMSE %.3f vs %.3f predicting the mean%n", booster, boosted, baseline);
      assertThat(boosted).as("%s RMSE below the mean's", booster).isLessThan(baseline);
    }
    assertThat(json(out.resolve("tuning.json")).at("/metric").asText()).isEqualTo("rmse");
  }
}
