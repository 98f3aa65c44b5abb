package dev.duet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.contracts.InputException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The label as both training branches need it: a double column, checked before any fitting. */
public final class Labels {
  /** The label as a double, the column every model is fitted on. */
  public static final String LABEL = "_duet_label";
  /** Beyond this many distinct labels a "classification" is more likely a mislabelled regression. */
  static final int MAX_CLASSES = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(Labels.class);

  private Labels() {}

  /**
   * What one aggregation over the clean table knows: its rows, the labelled rows of each split,
   * and the number of classes (0 for regression).
   */
  public record Counts(long rows, long trainLabelled, long testLabelled, int classes) {}

  /**
   * Refuses a label nothing can be learned from, before any fitting: no labelled train rows, a
   * single class, a class of the test split with no train row, or class values that are not whole
   * numbers from 0. One Spark job over {@code table} (with {@link #LABEL} and the split column):
   * the rows the training stages count come from it too.
   *
   * @param classNames a text label's classes by index (empty: the label is the index)
   */
  public static Counts check(Dataset<Row> table, String label, Task task, String source, List<String> classNames) {
    Column isTrain = col(ConfigLoader.SPLIT_COLUMN).equalTo("train");
    long rows;
    long train;
    long trainLabelled;
    long testLabelled;
    List<Row> classes = new ArrayList<>();
    List<Row> testClasses = new ArrayList<>();
    if (task == Task.REGRESSION) {
      Row c = table.agg(count(lit(1)), count(when(isTrain, 1)), count(when(isTrain.and(col(LABEL).isNotNull()), 1)),
          count(when(not(isTrain).and(col(LABEL).isNotNull()), 1))).first();
      rows = c.getLong(0);
      train = c.getLong(1);
      trainLabelled = c.getLong(2);
      testLabelled = c.getLong(3);
    } else {
      // Per split and class; test sorts before train. More groups than this: too many classes.
      int limit = 2 * MAX_CLASSES + 4;
      List<Row> groups = table.groupBy(col(ConfigLoader.SPLIT_COLUMN), col(LABEL)).count()
          .orderBy(col(ConfigLoader.SPLIT_COLUMN), col(LABEL)).limit(limit).collectAsList();
      if (groups.size() == limit) {
        throw tooManyClasses(label);
      }
      rows = 0;
      train = 0;
      trainLabelled = 0;
      testLabelled = 0;
      for (Row g : groups) {
        long n = g.getLong(2);
        boolean inTrain = "train".equals(g.getString(0));
        rows += n;
        train += inTrain ? n : 0;
        trainLabelled += inTrain && !g.isNullAt(1) ? n : 0;
        testLabelled += !inTrain && !g.isNullAt(1) ? n : 0;
        if (!g.isNullAt(1)) {
          (inTrain ? classes : testClasses).add(g);
        }
      }
    }
    if (train == 0) {
      throw new InputException("The train split of " + source + " is empty: nothing to learn from");
    }
    if (trainLabelled == 0) {
      throw new InputException("Label " + label + " is null in all " + train + " train rows: nothing to learn from");
    }
    if (trainLabelled < train) {
      LOG.warn("{} of {} train rows have no {} and are left out of training", train - trainLabelled, train, label);
    }
    if (task == Task.REGRESSION) {
      return new Counts(rows, trainLabelled, testLabelled, 0);
    }
    if (classes.size() > MAX_CLASSES) {
      throw tooManyClasses(label);
    }
    if (classes.size() == 1) {
      throw new InputException("Label " + label + " has one class (" + classes.get(0).get(1) + ") in all "
          + trainLabelled + " labelled train rows: a classifier needs at least two");
    }
    List<Double> learned = classes.stream().map(c -> c.getDouble(1)).toList();
    for (Row c : testClasses) {
      if (!learned.contains(c.getDouble(1))) {
        double v = c.getDouble(1);
        String name = v == Math.rint(v) && v >= 0 && v < classNames.size() ? "'" + classNames.get((int) v) + "'"
            : String.valueOf(v);
        throw new InputException("Label " + label + "'s class " + name + " has " + c.getLong(2) + " test row(s) and no"
            + " train row among the " + trainLabelled + " labelled train rows: no model can learn a class it never"
            + " sees; gather more of its rows, or leave its rows out (a derived label or a filter in the config)");
      }
    }
    for (Row c : classes) {
      double v = c.getDouble(1);
      if (v < 0 || v != Math.rint(v)) {
        throw new InputException("Label " + label + " holds " + v + ": class labels must be whole numbers from 0"
            + " (derive one in the config, e.g. with above: or expr:)");
      }
    }
    LOG.info("{} classes in {} labelled train rows: {}", classes.size(), trainLabelled,
        classes.stream().map(r -> (long) r.getDouble(1) + "=" + r.getLong(2)).toList());
    return new Counts(rows, trainLabelled, testLabelled, (int) classes.get(classes.size() - 1).getDouble(1) + 1);
  }

  private static InputException tooManyClasses(String label) {
    return new InputException("Label " + label + " has more than " + MAX_CLASSES
        + " distinct values: if it is a quantity, set task: regression");
  }
}
