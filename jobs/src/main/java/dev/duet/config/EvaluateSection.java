package dev.duet.config;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.EvaluateConfig.Need;
import dev.duet.config.PipelineConfig.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and checks the {@code evaluate} section of a pipeline config. */
final class EvaluateSection {
  private EvaluateSection() {}

  static EvaluateConfig read(YamlObject root, Task task) {
    if (!root.has("evaluate")) {
      root.object("evaluate"); // marks the key as known
      return EvaluateConfig.DEFAULTS;
    }
    EvaluateConfig d = EvaluateConfig.DEFAULTS;
    YamlObject ev = root.object("evaluate");
    Optional<Metric> metric = ev.optEnum("primary_metric", Metric.class);
    metric.filter(m -> task != null && m.forClassification() != (task == Task.CLASSIFICATION))
        .ifPresent(m -> ev.problem("Cannot rank a " + task.name().toLowerCase() + " by evaluate.primary_metric "
            + m.key() + ": use one of " + String.join(", ", java.util.Arrays.stream(Metric.values())
            .filter(x -> x.forClassification() == (task == Task.CLASSIFICATION)).map(Metric::key).toList())));
    double bless = ev.optNumber("bless_margin").orElse(d.blessMargin());
    if (bless < 0) {
      ev.problem("Cannot set evaluate.bless_margin to " + bless + ": must be zero or more");
    }
    double tie = ev.optNumber("tie_margin").orElse(d.tieMargin());
    if (tie < 0) {
      ev.problem("Cannot set evaluate.tie_margin to " + tie + ": must be zero or more");
    }
    double minLift = ev.optNumber("min_lift").orElse(d.minLift());
    if (minLift < 0) {
      ev.problem("Cannot set evaluate.min_lift to " + minLift + ": must be zero or more");
    }
    YamlObject needs = ev.object("needs");
    Need interpretability = needs.optEnum("interpretability", Need.class).orElse(d.interpretability());
    Optional<Double> budget = needs.optNumber("max_training_seconds");
    budget.filter(b -> !(b > 0)).ifPresent(b -> needs.problem("Cannot set evaluate.needs.max_training_seconds to " + b
        + ": must be positive"));
    needs.finish();
    List<Double> fractions = new ArrayList<>();
    for (String f : ev.strings("learning_curve")) {
      try {
        double v = Double.parseDouble(f.trim());
        if (!(v > 0 && v < 1)) {
          throw new NumberFormatException();
        }
        fractions.add(v);
      } catch (NumberFormatException e) {
        ev.problem("Cannot use '" + f + "' in evaluate.learning_curve: each fraction must be between 0 and 1"
            + " (exclusive), e.g. [0.1, 0.3]");
      }
    }
    ev.finish();
    return new EvaluateConfig(metric, bless, tie, minLift, interpretability, budget, List.copyOf(fractions));
  }
}
