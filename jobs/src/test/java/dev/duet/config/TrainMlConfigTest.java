package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.TrainMlConfig.TuningMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainMlConfigTest {
  private static final String BASE = """
      pipeline: demo
      task: %s
      label: late
      input: {path: data/x.csv, format: csv}
      columns:
        - {name: when, type: timestamp}
        - {name: delay, type: int}
        - {name: code, type: string}
        - {name: "p{0..2}", type: double}
      derive:
        - {name: late, from: delay, above: 15}
      """;

  private static PipelineConfig parse(String task, String trainMl) {
    return ConfigLoader.parse(BASE.formatted(task) + trainMl, "test.yaml");
  }

  @Test
  void readsFeaturesTuningAndTypedGrids() {
    PipelineConfig c = parse("classification", """
        train_ml:
          features:
            categorical: [code]
            numeric: ["p{0..2}"]
            datetime: {when: [hour, weekday]}
          max_train_rows: 1000
          tuning: {method: cross_validation, folds: 4, parallelism: 3, metric: f1, seed: 9}
          algorithms:
            gbt: {maxIter: [5, 10], maxDepth: 3}
            knn: {k: [1, 7], reference_rows: 500}
        """);
    TrainMlConfig ml = c.trainMl().orElseThrow();
    assertThat(ml.features().numeric()).containsExactly("p0", "p1", "p2");
    assertThat(ml.features().datetime().get("when")).containsExactly(DatePart.HOUR, DatePart.WEEKDAY);
    assertThat(ml.tuning().method()).isEqualTo(TuningMethod.CROSS_VALIDATION);
    assertThat(ml.tuning().folds()).isEqualTo(4);
    assertThat(ml.tuning().metric()).contains("f1");
    assertThat(ml.maxTrainRows()).contains(1000L);
    assertThat(ml.algorithm(Algorithm.GBT).orElseThrow().grid()).containsEntry("maxIter", List.of("5", "10"));
    assertThat(ml.knn().referenceRows()).isEqualTo(500);
    assertThat(dev.duet.trainml.GridParams.candidates(Algorithm.GBT, PipelineConfig.Task.CLASSIFICATION,
        ml.algorithm(Algorithm.GBT).orElseThrow().grid())).hasSize(2);
  }

  @Test
  void aRangeDrawsSeededCandidatesWithinItsBoundsAndAWholeNumberParameterStaysWhole() {
    TrainMlConfig ml = parse("classification", """
        train_ml:
          features: {numeric: ["p{0..2}"]}
          tuning: {samples: 6, seed: 3}
          algorithms:
            gbt: {maxIter: {min: 5, max: 80, log: true}, stepSize: {min: 0.01, max: 0.3, log: true}, maxDepth: [3, 5]}
        """).trainMl().orElseThrow();
    TrainMlConfig.AlgorithmSpec gbt = ml.algorithm(Algorithm.GBT).orElseThrow();
    assertThat(gbt.ranges()).containsEntry("maxIter", new TrainMlConfig.Range(5, 80, true));
    List<dev.duet.trainml.GridParams.Candidate> drawn = dev.duet.trainml.GridParams.candidates(gbt,
        PipelineConfig.Task.CLASSIFICATION, ml.tuning());
    assertThat(drawn).hasSize(6).allSatisfy(c -> {
      assertThat(c.values().get("maxIter")).isInstanceOf(Integer.class);
      assertThat((Integer) c.values().get("maxIter")).isBetween(5, 80);
      assertThat((Double) c.values().get("stepSize")).isBetween(0.01, 0.3);
      assertThat(c.values().get("maxDepth")).isIn(3, 5);
    });
    assertThat(dev.duet.trainml.GridParams.candidates(gbt, PipelineConfig.Task.CLASSIFICATION, ml.tuning()))
        .as("the same seed draws the same candidates").isEqualTo(drawn);
  }

  @Test
  void aRangeIsCheckedAtLoad() {
    assertThatThrownBy(() -> parse("classification", """
        train_ml:
          features: {numeric: ["p{0..2}"]}
          algorithms:
            gbt: {maxIter: {min: 50, max: 5}, stepSize: {min: 0, max: 0.3, log: true}, maxDepth: {min: 2.5, max: 8}}
            random_forest: {numTrees: {min: 10}}
        """)).isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
            "Cannot sample train_ml.algorithms.gbt.maxIter from 50.0 to 5.0: min must be below max (one value: give it"
                + " as a list)",
            "Cannot sample train_ml.algorithms.gbt.stepSize log-uniformly from 0.0: log needs min above 0",
            "Cannot sample train_ml.algorithms.gbt.maxDepth from 2.5 to 8.0: a whole-number parameter needs whole-number"
                + " bounds",
            "Cannot sample train_ml.algorithms.random_forest.numTrees: a range needs min and max (e.g. {min: 0.01, max:"
                + " 0.3, log: true})"));
  }

  @Test
  void reportsEveryTrainMlProblemAtOnce() {
    assertThatThrownBy(() -> parse("regression", """
        train_ml:
          features:
            categorical: [code, nope]
            numeric: [code, late]
            datetime: {delay: [hour, fortnight]}
          tuning: {train_ratio: 1.5, metric: areaUnderROC, folds: 1}
          algorithms:
            gbt: {maxDepht: [3], maxIter: [-1]}
            linear_svm: {}
            random_forest: {numTrees: [ten]}
            neural_net: {}
            knn: {k: [0], neighbours: 3}
        """)).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot take part 'fortnight' of delay in train_ml.features.datetime: must be one of year, month, day, hour, weekday, day_of_year",
            "Cannot set train_ml.tuning.train_ratio to 1.5: must be between 0 and 1 (exclusive)",
            "Cannot set train_ml.tuning.folds to 1: must be at least 2",
            "Cannot rank regression candidates by 'areaUnderROC': use one of [mae, mse, r2, rmse]",
            "Cannot set train_ml.algorithms.gbt.maxDepht to '3': not a parameter of MLlib's GBTRegressor",
            "Cannot set train_ml.algorithms.gbt.maxIter to '-1': MLlib refuses it (maximum number of iterations (>= 0))",
            "Cannot train linear_svm for regression: it is a classifier",
            "Cannot set train_ml.algorithms.random_forest.numTrees to 'ten': not a whole number",
            "Unknown algorithm train_ml.algorithms.neural_net: must be one of xgboost, lightgbm, gbt, random_forest, decision_tree, linear, linear_svm, naive_bayes, knn",
            "Cannot set train_ml.algorithms.knn.k to '0': must be at least 1",
            "Unknown key train_ml.algorithms.knn.neighbours",
            "Column code is listed twice in train_ml.features",
            "Cannot use code in train_ml.features.numeric: it is a string column (list it under categorical or datetime)",
            "Cannot use nope in train_ml.features: not a declared or derived column",
            "Cannot use the label late as a feature in train_ml.features",
            "Cannot take date parts of delay in train_ml.features.datetime: it is a int column",
            "Cannot use delay as a feature: the label late is derived from it, so the model would read the answer"));
  }

  @Test
  void readsTextFeaturesAndTheirVocabulary() {
    TrainMlConfig ml = parse("classification", """
        train_ml:
          features: {text: [code], vocabulary: {size: 500, min_doc_freq: 3}}
          algorithms: {naive_bayes: {smoothing: [0.5, 1.0]}, linear: {}}
        """).trainMl().orElseThrow();
    assertThat(ml.features().text()).containsExactly("code");
    assertThat(ml.features().vocabulary()).isEqualTo(new TrainMlConfig.Vocabulary(500, 3));
    assertThat(ml.algorithms().get(0).grid()).containsEntry("smoothing", List.of("0.5", "1.0"));
  }

  @Test
  void refusesTextThatIsNotAStringAndModelsThatCannotReadIt() {
    assertThatThrownBy(() -> parse("classification", """
        train_ml:
          features: {numeric: [p0], text: [p1], vocabulary: {size: 0}}
          algorithms: {naive_bayes: {}, xgboost: {}, knn: {}}
        """)).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot set train_ml.features.vocabulary.size to 0: must be positive",
            "Cannot train naive_bayes on numeric or datetime features: it reads counts (one-hot categoricals and text"
                + " terms), and standardised numbers are negative",
            "Cannot train xgboost on the text features [p1]: it reads dense rows, and a vocabulary is too wide for"
                + " them (use linear, linear_svm, naive_bayes or the MLlib trees)",
            "Cannot train knn on the text features [p1]: it reads dense rows, and a vocabulary is too wide for"
                + " them (use linear, linear_svm, naive_bayes or the MLlib trees)",
            "Cannot use p1 in train_ml.features.text: it is a double column, not text"));
  }

  @Test
  void requiresFeaturesAndAlgorithms() {
    assertThatThrownBy(() -> parse("classification", "train_ml: {tuning: {parallelism: 2}}\n"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "train_ml.features names no columns: list categorical, numeric, datetime and/or text columns",
            "train_ml.algorithms names no algorithms: add one or more of xgboost, lightgbm, gbt, random_forest, decision_tree, linear, linear_svm, naive_bayes, knn"));
  }

  @Test
  void checksBoosterGridsAgainstXgboostAndLightgbmParamsAtLoad() {
    assertThatThrownBy(() -> parse("classification", """
        train_ml:
          features: {categorical: [code], numeric: ["p{0..2}"]}
          algorithms:
            xgboost: {numRound: [40], max_depht: [6], eta: [1.5], tree_method: [hist], categorical: one_hot}
            lightgbm: {numIterations: [40], numLeafs: [31], learningRate: [0], featureFraction: [1.5],
                       labelCol: [y]}
        """)).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot set train_ml.algorithms.xgboost.max_depht to '6': not a parameter of XGBoost's XGBoostClassifier",
            "Cannot set train_ml.algorithms.xgboost.eta to '1.5': XGBoost refuses it (Step size shrinkage used in"
                + " update to prevents overfitting. After each boosting step, we can directly get the weights of new"
                + " features, and eta shrinks the feature weights to make the boosting process more conservative.)",
            "Cannot set train_ml.algorithms.xgboost.categorical to 'one_hot': must be one of native, ordinal",
            "Cannot set train_ml.algorithms.lightgbm.numLeafs to '31': not a parameter of LightGBM's LightGBMClassifier",
            "Cannot set train_ml.algorithms.lightgbm.learningRate to '0': LightGBM requires learningRate > 0",
            "Cannot set train_ml.algorithms.lightgbm.featureFraction to '1.5': LightGBM requires 0 < featureFraction <= 1",
            "Cannot set train_ml.algorithms.lightgbm.labelCol to 'y': Duet names the columns itself"));
  }

  @Test
  void readsBoosterGridsAndHowTheySplitCategoricals() {
    TrainMlConfig ml = parse("regression", """
        train_ml:
          features: {categorical: [code], numeric: ["p{0..2}"]}
          algorithms:
            xgboost: {numRound: [100, 300], max_depth: [8], numEarlyStoppingRounds: [20], categorical: ordinal}
            lightgbm: {numIterations: [100], numLeaves: [63]}
        """).trainMl().orElseThrow();
    var xgb = ml.algorithm(Algorithm.XGBOOST).orElseThrow();
    assertThat(xgb.nativeCategorical()).isFalse();
    assertThat(xgb.grid()).doesNotContainKey("categorical").containsEntry("numRound", List.of("100", "300"));
    assertThat(ml.algorithm(Algorithm.LIGHTGBM).orElseThrow().nativeCategorical()).isTrue();
    assertThat(dev.duet.trainml.GridParams.candidates(Algorithm.XGBOOST, PipelineConfig.Task.REGRESSION, xgb.grid()))
        .hasSize(2).allSatisfy(c -> assertThat(c.values()).containsEntry("numEarlyStoppingRounds", 20));
  }
}
