package dev.duet.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.store.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlessingTest {
  private final List<JsonNode> history = List.of(
      entry("r1", "roc_auc", 0.70, true),
      entry("r2", "roc_auc", 0.74, false), // better, but it was not blessed: not the bar
      entry("r3", "roc_auc", 0.72, true));

  @Test
  void aRunBetterThanTheLastBlessedOneByTheMarginIsBlessed() {
    Blessing b = Blessing.decide("r4", Metric.ROC_AUC, 0.731, 0.01, history);
    assertThat(b.blessed()).isTrue();
    assertThat(b.previous()).contains("r3");
    assertThat(b.reason()).contains("beats the last blessed run r3");
  }

  @Test
  void aWorseRunOrOneWithinTheMarginIsNotBlessed() {
    assertThat(Blessing.decide("r4", Metric.ROC_AUC, 0.71, 0.0, history).blessed()).isFalse();
    assertThat(Blessing.decide("r4", Metric.ROC_AUC, 0.725, 0.01, history).blessed()).isFalse();
  }

  @Test
  void lowerIsBetterForErrorMetrics() {
    List<JsonNode> rmse = List.of(entry("a", "rmse", 31.0, true));
    assertThat(Blessing.decide("b", Metric.RMSE, 30.5, 0.1, rmse).blessed()).isTrue();
    assertThat(Blessing.decide("b", Metric.RMSE, 31.5, 0.1, rmse).blessed()).isFalse();
  }

  @Test
  void theFirstRunOnAMetricSetsTheBar() {
    Blessing b = Blessing.decide("r4", Metric.ACCURACY, 0.5, 0.0, history);
    assertThat(b.blessed()).isTrue();
    assertThat(b.previous()).isEmpty();
  }

  private static JsonNode entry(String run, String metric, double score, boolean blessed) {
    ObjectNode e = Json.object();
    e.put("run_id", run);
    e.put("metric", metric);
    e.put("best_score", score);
    e.put("blessed", blessed);
    return e;
  }
}
