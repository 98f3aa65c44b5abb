package dev.duet.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * {@link StageLayout#MODEL_CARDS}: what a training stage hands evaluate, one {@link ModelCard} per model.
 * One mapping (snake_case JSON, fields a newer writer added are ignored) writes and reads it.
 *
 * @param stage   the training stage that wrote it
 * @param classes classes of the label (0: regression)
 * @param metric  the metric the learning curve and the anytime trace are scored by (evaluate's primary metric)
 * @param spend   the stage's training budget and what it used
 * @param anytime the family's best validation score so far against the stage's elapsed seconds:
 *                a point per candidate fitted and per epoch, monotone, in time order
 * @param notTrained models the config asked for that the budget left no time for
 */
public record ModelCards(String stage, int classes, String metric, List<ModelCard> models, Spend spend,
    List<AnytimePoint> anytime, List<NotTrained> notTrained) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public ModelCards {
    models = List.copyOf(models);
    anytime = anytime == null ? List.of() : List.copyOf(anytime);
    notTrained = notTrained == null ? List.of() : List.copyOf(notTrained);
  }

  /**
   * @param budgetSeconds the stage's budget (null: none)
   * @param seconds       the stage's training wall-clock, failed attempts of a resumed stage included
   * @param taskSlots     executor task slots it trained on
   * @param gpus          GPUs it trained on (0: CPU only)
   */
  public record Spend(Double budgetSeconds, double seconds, int taskSlots, int gpus) {}

  /** The family's best validation score ({@code model}'s) as it stood {@code seconds} into the stage. */
  public record AnytimePoint(double seconds, String model, double score) {}

  /** A model of the config that was not trained, and why (e.g. "budget: 3 s left, its cheapest fit needs ~40 s"). */
  public record NotTrained(String name, String reason) {}

  public JsonNode toJson() {
    return MAPPER.valueToTree(this);
  }

  /** The cards in {@code json}; IllegalArgumentException saying what does not fit. */
  public static ModelCards fromJson(JsonNode json) {
    try {
      return MAPPER.treeToValue(json, ModelCards.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  /** Any JSON node (e.g. a stage's permutation entry) as one of the cards' records. */
  public static <T> T convert(JsonNode json, Class<T> type) {
    return MAPPER.convertValue(json, type);
  }
}
