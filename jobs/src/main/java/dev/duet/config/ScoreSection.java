package dev.duet.config;

import dev.duet.config.ScoreConfig.DriftThresholds;
import java.util.List;

/** Reads and checks the {@code score} section of a pipeline config. */
final class ScoreSection {
  private ScoreSection() {}

  static ScoreConfig read(YamlObject root) {
    if (!root.has("score")) {
      root.object("score"); // marks the key as known
      return ScoreConfig.DEFAULTS;
    }
    YamlObject score = root.object("score");
    List<String> keys = score.strings("keys");
    keys.stream().filter(k -> dev.duet.contracts.Predictions.COLUMNS.contains(k)
            || dev.duet.contracts.Predictions.PREDICTED_CLASS.equals(k))
        .forEach(k -> score.problem("Cannot use '" + k + "' in score.keys: the predictions have a column of that name"));
    YamlObject drift = score.object("drift");
    DriftThresholds d = DriftThresholds.DEFAULTS;
    DriftThresholds thresholds = new DriftThresholds(positive(drift, "psi", d.psi()), fraction(drift, "ks", d.ks()),
        fraction(drift, "null_rate_change", d.nullRateChange()), fraction(drift, "unseen_rate", d.unseenRate()),
        List.copyOf(drift.strings("exclude")));
    drift.finish();
    score.finish();
    return new ScoreConfig(List.copyOf(keys), thresholds);
  }

  private static double positive(YamlObject o, String key, double fallback) {
    double v = o.optNumber(key).orElse(fallback);
    if (!(v > 0)) {
      o.problem("Cannot set score.drift." + key + " to " + v + ": must be positive");
    }
    return v;
  }

  private static double fraction(YamlObject o, String key, double fallback) {
    double v = o.optNumber(key).orElse(fallback);
    if (!(v > 0 && v <= 1)) {
      o.problem("Cannot set score.drift." + key + " to " + v + ": must be above 0 and at most 1");
    }
    return v;
  }
}
