package dev.duet.config;

import dev.duet.config.PipelineConfig.Task;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Checks a {@code train_ml} algorithm's grid against what its estimator accepts (names, types,
 * ranges). Only train-ml's estimators know their parameters, so train-ml provides the check as a
 * service ({@code META-INF/services}) and the config, which imports no stage, finds it on the
 * class path: a grid is still refused once, at the edge, before any stage runs.
 */
public interface GridCheck {
  /** Problems with {@code grid} and {@code ranges} for {@code algorithm} on {@code task}, each naming {@code where}. */
  List<String> problems(Algorithm algorithm, Task task, Map<String, List<String>> grid,
      Map<String, TrainMlConfig.Range> ranges, String where);

  /** The check train-ml provides; IllegalStateException on a class path without train-ml. */
  static GridCheck provided() {
    return ServiceLoader.load(GridCheck.class).findFirst().orElseThrow(() -> new IllegalStateException(
        "No " + GridCheck.class.getName() + " on the class path: train-ml's classes provide it"));
  }
}
