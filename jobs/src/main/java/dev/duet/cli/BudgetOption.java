package dev.duet.cli;

import dev.duet.config.Budget;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import picocli.CommandLine.Option;

/** {@code --budget} on the commands that train (picocli mixin): run, train-ml, train-dl. */
final class BudgetOption {
  @Option(names = "--budget", paramLabel = "DURATION",
      description = "Wall-clock each training stage (each family) may spend, the same for both: 90s, 4m, 1h30m, or none."
          + " Default: the config's budget.")
  String budget;

  /** {@code config} under this option's budget, when one is given. */
  PipelineConfig apply(PipelineConfig config) {
    if (budget == null) {
      return config;
    }
    try {
      return config.withBudget(Budget.parse(budget));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--budget: " + e.getMessage());
    }
  }
}
