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
 * @param metric  the metric the learning curve is scored by (evaluate's primary metric)
 */
public record ModelCards(String stage, int classes, String metric, List<ModelCard> models) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public ModelCards {
    models = List.copyOf(models);
  }

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
