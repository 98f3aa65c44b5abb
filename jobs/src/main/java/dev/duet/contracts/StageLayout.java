package dev.duet.contracts;

import java.util.regex.Pattern;

/**
 * What the stages agree on by name: each stage's directory under {@code <store>/<pipeline>/<run>/},
 * the outputs another stage reads there, and what a pipeline name or run id may be. Stages meet
 * only on the store; this is the map of it, so that no stage needs another's code to find its way.
 */
public final class StageLayout {
  /** A pipeline name or run id: a single path segment, safe on every file system. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  public static final String INGEST = "ingest";
  /** Ingest's clean table (Parquet, partitioned by split). */
  public static final String CLEAN = "clean";
  /** Ingest's row accounting, column statistics, label balance and class dictionary. */
  public static final String QUALITY = "quality.json";
  /** The config file ingest ran under, as it was: the rules scoring applies to new rows. */
  public static final String INGEST_CONFIG = "config.yaml";

  public static final String TRAIN_ML = "train-ml";

  public static final String TRAIN_DL = "train-dl";

  /** What each training stage hands evaluate: {@link ModelCards}. */
  public static final String MODEL_CARDS = "model-cards.json";

  public static final String EVALUATE = "evaluate";
  /** Evaluate's conclusions about a run, as JSON: what the verdict across pipelines reads. */
  public static final String EVALUATE_REPORT = "report.json";

  /**
   * {@code <store>/<pipeline>/score/<scoring-run>/}: a blessed model applied to new rows. Not a
   * training run's name; nor can a scoring run be named as a stage.
   */
  public static final String SCORE = "score";
  /** Score's per-column drift from the training run's train split. */
  public static final String DRIFT = "drift.json";

  /** {@code <store>/verdict/}: the verdict across the store's pipelines (not a pipeline name). */
  public static final String VERDICT = "verdict";

  private StageLayout() {}
}
