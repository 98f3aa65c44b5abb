package dev.duet.trainml;

import dev.duet.config.Algorithm;
import dev.duet.config.GridCheck;
import dev.duet.config.TrainMlConfig.AlgorithmSpec;
import dev.duet.config.TrainMlConfig.Range;
import dev.duet.config.TrainMlConfig.Tuning;
import dev.duet.config.TrainMlConfig;
import dev.duet.config.PipelineConfig.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;

/**
 * A parameter grid from config, checked against the MLlib estimator it is for: names must be
 * the estimator's own parameters and every value must pass MLlib's validator, so a typo or an
 * impossible value is a config error before Spark starts, not a failure an hour into tuning.
 */
public final class GridParams {
  /** The one parameter of k-NN's grid. */

  private GridParams() {}

  /** One point of the grid: the values by name, in config order. */
  public record Candidate(Map<String, Object> values) {
    public ParamMap toParamMap(Params estimator) {
      ParamMap map = new ParamMap();
      values.forEach((name, value) -> put(map, estimator.getParam(name), value));
      return map;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void put(ParamMap map, Param param, Object value) {
      map.put(param, value);
    }

    public int k() {
      return (Integer) values.get(TrainMlConfig.KNN_K);
    }
  }

  /** The config's grid check (a service: the config does not import train-ml). */
  public static final class Check implements GridCheck {
    @Override
    public List<String> problems(Algorithm algorithm, Task task, Map<String, List<String>> grid,
        Map<String, Range> ranges, String where) {
      List<String> problems = new ArrayList<>();
      candidates(algorithm, task, grid, ranges, 1, 0, where, problems);
      return problems;
    }
  }

  /** Every combination of the grid's values (one empty candidate for an empty grid). */
  public static List<Candidate> candidates(Algorithm algorithm, Task task, Map<String, List<String>> grid) {
    return checked(algorithm, task, grid, Map.of(), 1, 0);
  }

  /**
   * An algorithm's candidates: every combination of its grid's values, or, when it has ranges,
   * {@code tuning.samples()} distinct candidates drawn with {@code tuning.seed()} (each range
   * sampled, each listed parameter one of its values at random).
   */
  public static List<Candidate> candidates(AlgorithmSpec spec, Task task, Tuning tuning) {
    return checked(spec.algorithm(), task, spec.grid(), spec.ranges(), tuning.samples(), tuning.seed());
  }

  private static List<Candidate> checked(Algorithm algorithm, Task task, Map<String, List<String>> grid,
      Map<String, Range> ranges, int samples, long seed) {
    List<String> problems = new ArrayList<>();
    List<Candidate> out = candidates(algorithm, task, grid, ranges, samples, seed, algorithm.configName(), problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return out;
  }

  private static List<Candidate> candidates(Algorithm algorithm, Task task, Map<String, List<String>> grid,
      Map<String, Range> ranges, int samples, long seed, String where, List<String> problems) {
    Map<String, List<Object>> typed = new LinkedHashMap<>();
    Params estimator = algorithm == Algorithm.KNN ? null : Estimators.fresh(algorithm, task);
    grid.forEach((name, values) -> {
      if (values.isEmpty()) {
        problems.add("Cannot tune " + where + "." + name + " over no values: give at least one");
        return;
      }
      List<Object> parsed = new ArrayList<>();
      for (String v : values) {
        try {
          parsed.add(estimator == null ? knnValue(name, v) : value(estimator, engine(algorithm), name, v));
        } catch (IllegalArgumentException e) {
          problems.add("Cannot set " + where + "." + name + " to '" + v + "': " + e.getMessage());
        }
      }
      typed.put(name, parsed);
    });
    Map<String, Boolean> whole = new LinkedHashMap<>();
    ranges.forEach((name, range) -> {
      try {
        boolean integer = estimator == null ? knnValue(name, "1") != null : isWhole(estimator, engine(algorithm), name);
        if (integer && (range.min() != Math.rint(range.min()) || range.max() != Math.rint(range.max()))) {
          throw new IllegalArgumentException("a whole-number parameter needs whole-number bounds");
        }
        for (double bound : new double[] {range.min(), range.max()}) {
          typedValue(estimator, algorithm, name, bound, integer);
        }
        whole.put(name, integer);
      } catch (IllegalArgumentException e) {
        problems.add("Cannot sample " + where + "." + name + " from " + range.min() + " to " + range.max() + ": "
            + e.getMessage());
      }
    });
    if (!ranges.isEmpty()) {
      if (!problems.isEmpty()) {
        return List.of();
      }
      Random random = new Random(seed);
      Set<Candidate> drawn = new LinkedHashSet<>();
      for (int i = 0; i < samples; i++) {
        Map<String, Object> values = new LinkedHashMap<>();
        typed.forEach((name, options) -> values.put(name, options.get(random.nextInt(options.size()))));
        ranges.forEach((name, range) -> values.put(name,
            typedValue(estimator, algorithm, name, draw(range, random), whole.get(name))));
        drawn.add(new Candidate(values));
      }
      return List.copyOf(drawn);
    }
    List<Candidate> out = new ArrayList<>();
    out.add(new Candidate(Map.of()));
    for (Map.Entry<String, List<Object>> e : typed.entrySet()) {
      List<Candidate> next = new ArrayList<>();
      for (Candidate c : out) {
        for (Object v : e.getValue()) {
          Map<String, Object> values = new LinkedHashMap<>(c.values());
          values.put(e.getKey(), v);
          next.add(new Candidate(values));
        }
      }
      out = next;
    }
    return out;
  }

  /** Uniform, or log-uniform, between the range's bounds. */
  private static double draw(Range range, Random random) {
    double u = random.nextDouble();
    return range.log() ? Math.exp(Math.log(range.min()) + u * (Math.log(range.max()) - Math.log(range.min())))
        : range.min() + u * (range.max() - range.min());
  }

  /** A drawn number as the parameter takes it (a whole number rounded), checked as a listed value is. */
  private static Object typedValue(Params estimator, Algorithm algorithm, String name, double v, boolean whole) {
    String text = whole ? String.valueOf(Math.round(v)) : String.valueOf(v);
    return estimator == null ? knnValue(name, text) : value(estimator, engine(algorithm), name, text);
  }

  /** Whether the parameter takes whole numbers; IllegalArgumentException when it takes no numbers. */
  private static boolean isWhole(Params estimator, String engine, String name) {
    if (!estimator.hasParam(name)) {
      throw new IllegalArgumentException("not a parameter of " + engine + "'s " + estimator.getClass().getSimpleName());
    }
    Param<?> param = estimator.getParam(name);
    if (param instanceof IntParam || param instanceof LongParam) {
      return true;
    }
    if (param instanceof DoubleParam || param instanceof FloatParam) {
      return false;
    }
    throw new IllegalArgumentException("only a number can be sampled from a range");
  }

  private static Object knnValue(String name, String v) {
    if (!TrainMlConfig.KNN_K.equals(name)) {
      throw new IllegalArgumentException("k-NN's grid takes only " + TrainMlConfig.KNN_K);
    }
    int k = parseInt(v);
    if (k < 1) {
      throw new IllegalArgumentException("must be at least 1");
    }
    return k;
  }

  private static String engine(Algorithm a) {
    return switch (a) {
      case XGBOOST -> "XGBoost";
      case LIGHTGBM -> "LightGBM";
      default -> "MLlib";
    };
  }

  /** The value as the parameter's type, validated by the engine's own Params (its doc, if it refuses). */
  private static Object value(Params estimator, String engine, String name, String text) {
    if (!estimator.hasParam(name)) {
      throw new IllegalArgumentException("not a parameter of " + engine + "'s " + estimator.getClass().getSimpleName());
    }
    Param<?> param = estimator.getParam(name);
    if (name.endsWith("Col") || name.endsWith("Cols")) {
      throw new IllegalArgumentException("Duet names the columns itself");
    }
    String v = text.trim();
    Object value;
    if (param instanceof IntParam) {
      value = parseInt(v);
    } else if (param instanceof LongParam) {
      value = (long) parseDouble(v);
    } else if (param instanceof DoubleParam) {
      value = parseDouble(v);
    } else if (param instanceof FloatParam) {
      value = (float) parseDouble(v);
    } else if (param instanceof BooleanParam) {
      if (!v.equals("true") && !v.equals("false")) {
        throw new IllegalArgumentException("must be true or false");
      }
      value = Boolean.parseBoolean(v);
    } else if (param.getClass() == Param.class) {
      value = v;
    } else {
      throw new IllegalArgumentException("a " + param.getClass().getSimpleName() + " cannot be tuned from config");
    }
    if (!isValid(param, value)) {
      throw new IllegalArgumentException(engine + " refuses it (" + param.doc() + ")");
    }
    String constraint = engine.equals("LightGBM") ? lightGbmConstraint(name, value) : null;
    if (constraint != null) {
      throw new IllegalArgumentException("LightGBM requires " + constraint);
    }
    return value;
  }

  /**
   * SynapseML's LightGBM Params carry no validators, so LightGBM's own documented constraints
   * (its Parameters page) for the settings people tune; null when the value meets them.
   */
  private static String lightGbmConstraint(String name, Object value) {
    if (!(value instanceof Number n)) {
      return null;
    }
    double v = n.doubleValue();
    return switch (name) {
      case "numIterations", "earlyStoppingRound", "minDataInLeaf", "baggingFreq" -> v >= 0 ? null : name + " >= 0";
      case "learningRate" -> v > 0 ? null : "learningRate > 0";
      case "numLeaves" -> v > 1 && v <= 131072 ? null : "1 < numLeaves <= 131072";
      case "maxBin" -> v > 1 ? null : "maxBin > 1";
      case "featureFraction", "baggingFraction", "featureFractionByNode" -> v > 0 && v <= 1 ? null
          : "0 < " + name + " <= 1";
      case "lambdaL1", "lambdaL2", "minGainToSplit", "minSumHessianInLeaf" -> v >= 0 ? null : name + " >= 0";
      default -> null;
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean isValid(Param param, Object value) {
    return (Boolean) param.isValid().apply(value);
  }

  private static int parseInt(String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a whole number");
    }
  }

  private static double parseDouble(String v) {
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number");
    }
  }
}
