package dev.duet.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.contracts.ModelCard.CurvePoint;
import dev.duet.contracts.ModelCard.Epoch;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCard.Importance;
import dev.duet.contracts.ModelCard.Interpretability;
import dev.duet.contracts.ModelCard.Permutation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCardsTest {
  private static final ModelCards CARDS = new ModelCards(StageLayout.TRAIN_DL, 2, "roc_auc", List.of(
      new ModelCard(Family.DEEP, "mlp", "networks/mlp.zip", "predictions/mlp", 1_000, 12.5, 20.25, 1, 4_096, 0.5, 300,
          List.of(), Interpretability.LOW, "no importances built in", Map.of(), List.of(new Epoch(1, 0.69, 0.61, 0.71, 6.0, 10.0, 0.74, 9.0), new Epoch(2, 0.52, 0.55, null, 6.5, 10.25, null, 16.0)),
          new Permutation("roc_auc", 300, List.of(new Importance("x", 0.12), new Importance("y", 0.01))),
          List.of(new CurvePoint(0.3, 300, 0.8, 4.0), new CurvePoint(1.0, 1_000, 0.9, 12.5)))),
      new ModelCards.Spend(60.0, 58.5, 2, 0), List.of(new ModelCards.AnytimePoint(9.0, "mlp", 0.74)),
      List.of(new ModelCards.NotTrained("cnn", "budget: 58 s of 1m spent before its turn")));

  @Test
  void cardsReadBackAsTheyWereWritten() {
    assertThat(ModelCards.fromJson(CARDS.toJson())).isEqualTo(CARDS);
  }

  @Test
  void theJsonIsSnakeCaseWithTheFamilyByName() {
    JsonNode json = CARDS.toJson();
    assertThat(json.at("/models/0/family").asText()).isEqualTo("DEEP");
    assertThat(json.at("/models/0/interpretability").asText()).isEqualTo("LOW");
    assertThat(json.at("/models/0/test_rows_predicted").asLong()).isEqualTo(300);
    assertThat(json.at("/models/0/learning_curve/0/train_rows").asLong()).isEqualTo(300);
    assertThat(json.at("/models/0/epochs/1/validation_accuracy").isNull()).isTrue();
  }

  @Test
  void aCardFileWrittenBeforeBudgetsReadsWithNoSpendNoTraceAndNothingLeftOut() {
    ObjectNode json = (ObjectNode) CARDS.toJson();
    json.remove(List.of("spend", "anytime", "not_trained"));
    ((ObjectNode) json.at("/models/0/epochs/0")).remove(List.of("validation_score", "stage_seconds"));
    ModelCards read = ModelCards.fromJson(json);
    assertThat(read.spend()).isNull();
    assertThat(read.anytime()).isEmpty();
    assertThat(read.notTrained()).isEmpty();
    assertThat(read.models().get(0).epochs().get(0).stageSeconds()).isNull();
  }

  @Test
  void fieldsANewerWriterAddedAreIgnoredAndMissingListsAreEmpty() {
    ObjectNode json = (ObjectNode) CARDS.toJson();
    json.put("written_by", "a later Duet");
    ObjectNode card = (ObjectNode) json.at("/models/0");
    card.put("calibration", "isotonic");
    card.remove(List.of("top_features", "best_params", "learning_curve"));
    ModelCard read = ModelCards.fromJson(json).models().get(0);
    assertThat(read.topFeatures()).isEmpty();
    assertThat(read.bestParams()).isEmpty();
    assertThat(read.learningCurve()).isEmpty();
    assertThat(read.epochs()).hasSize(2);
  }

  @Test
  void aCardOfTheWrongShapeIsRefusedSayingWhere() {
    ObjectNode json = (ObjectNode) CARDS.toJson();
    ((ObjectNode) json.at("/models/0")).put("train_rows", "many");
    assertThatThrownBy(() -> ModelCards.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("many");
  }
}
