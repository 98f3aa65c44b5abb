package dev.duet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.duet.config.PipelineConfig.Task;
import dev.duet.ingest.InputException;
import java.util.List;
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
   * Refuses a label nothing can be learned from, before any fitting: no labelled train rows, a
   * single class, or class values that are not whole numbers from 0. Returns the number of
   * classes (0 for regression).
   */
  public static int classes(Dataset<Row> train, String label, Task task, String source) {
    Row counts = train.agg(count(lit(1)), count(col(LABEL))).first();
    long rows = counts.getLong(0);
    long labelled = counts.getLong(1);
    if (rows == 0) {
      throw new InputException("The train split of " + source + " is empty: nothing to learn from");
    }
    if (labelled == 0) {
      throw new InputException("Label " + label + " is null in all " + rows + " train rows: nothing to learn from");
    }
    if (labelled < rows) {
      LOG.warn("{} of {} train rows have no {} and are left out of training", rows - labelled, rows, label);
    }
    if (task == Task.REGRESSION) {
      return 0;
    }
    List<Row> classes = train.where(col(LABEL).isNotNull()).groupBy(LABEL).count()
        .orderBy(LABEL).limit(MAX_CLASSES + 1).collectAsList();
    if (classes.size() > MAX_CLASSES) {
      throw new InputException("Label " + label + " has more than " + MAX_CLASSES
          + " distinct values: if it is a quantity, set task: regression");
    }
    if (classes.size() == 1) {
      throw new InputException("Label " + label + " has one class (" + classes.get(0).get(0) + ") in all "
          + labelled + " labelled train rows: a classifier needs at least two");
    }
    for (Row c : classes) {
      double v = c.getDouble(0);
      if (v < 0 || v != Math.rint(v)) {
        throw new InputException("Label " + label + " holds " + v + ": class labels must be whole numbers from 0"
            + " (derive one in the config, e.g. with above: or expr:)");
      }
    }
    LOG.info("{} classes in {} labelled train rows: {}", classes.size(), labelled,
        classes.stream().map(r -> (long) r.getDouble(0) + "=" + r.getLong(1)).toList());
    return (int) classes.get(classes.size() - 1).getDouble(0) + 1;
  }

}
