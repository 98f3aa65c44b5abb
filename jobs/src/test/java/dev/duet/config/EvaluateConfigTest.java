package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.EvaluateConfig.Need;
import org.junit.jupiter.api.Test;

class EvaluateConfigTest {
  private static final String BASE = """
      pipeline: p
      task: classification
      label: y
      input: {path: in.csv, format: csv}
      columns:
        - {name: x, type: double}
        - {name: y, type: int}
      """;

  @Test
  void defaultsRankBinaryByAucMulticlassByAccuracyAndRegressionByRmse() {
    EvaluateConfig ev = ConfigLoader.parse(BASE, "t.yaml").evaluate();
    assertThat(ev.primaryFor(2)).isEqualTo(Metric.ROC_AUC);
    assertThat(ev.primaryFor(10)).isEqualTo(Metric.ACCURACY);
    assertThat(ev.primaryFor(0)).isEqualTo(Metric.RMSE);
    assertThat(ev.interpretability()).isEqualTo(Need.PREFERRED);
    assertThat(ev.learningCurve()).isEmpty();
  }

  @Test
  void readsEveryKey() {
    EvaluateConfig ev = ConfigLoader.parse(BASE + """
        evaluate:
          primary_metric: pr_auc
          bless_margin: 0.002
          tie_margin: 0.01
          needs: {interpretability: required, max_training_seconds: 600}
          learning_curve: [0.1, 0.3]
        """, "t.yaml").evaluate();
    assertThat(ev.primaryFor(2)).isEqualTo(Metric.PR_AUC);
    assertThat(ev.blessMargin()).isEqualTo(0.002);
    assertThat(ev.tieMargin()).isEqualTo(0.01);
    assertThat(ev.interpretability()).isEqualTo(Need.REQUIRED);
    assertThat(ev.maxTrainingSeconds()).contains(600.0);
    assertThat(ev.learningCurve()).containsExactly(0.1, 0.3);
  }

  @Test
  void reportsEveryEvaluateProblemAtOnce() {
    assertThatThrownBy(() -> ConfigLoader.parse(BASE + """
        evaluate:
          primary_metric: rmse
          bless_margin: -1
          needs: {interpretability: sometimes, max_training_seconds: 0}
          learning_curve: [0.5, 1.5]
          colour: blue
        """, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
            "Cannot rank a classification by evaluate.primary_metric rmse: use one of accuracy, f1_macro, roc_auc,"
                + " pr_auc, log_loss",
            "Cannot set evaluate.bless_margin to -1.0: must be zero or more",
            "Cannot set evaluate.needs.max_training_seconds to 0.0: must be positive",
            "Cannot use '1.5' in evaluate.learning_curve: each fraction must be between 0 and 1 (exclusive), e.g. [0.1, 0.3]")
            .anySatisfy(p -> assertThat(p).contains("evaluate.needs.interpretability").contains("sometimes"))
            .anySatisfy(p -> assertThat(p).contains("colour")));
  }
}
