package dev.duet.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The task slots an application has now, and the cores of one executor: what engines that train
 * one worker per slot (XGBoost's barrier stage) or one native worker per executor (LightGBM)
 * size themselves by.
 *
 * @param taskSlots        tasks that can run at once across the registered executors
 * @param coresPerExecutor cores of one executor (local mode: the driver's)
 * @param taskCpus         {@code spark.task.cpus}
 * @param dynamicAllocation executors come and go with the load ({@code spark.dynamicAllocation.enabled}
 *                         on a cluster manager; Spark ignores it in local mode)
 */
public record ExecutorSlots(int taskSlots, int coresPerExecutor, int taskCpus, boolean dynamicAllocation) {
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");

  public static ExecutorSlots of(SparkContext sc) {
    SparkConf conf = sc.getConf();
    int taskCpus = conf.getInt("spark.task.cpus", 1);
    Matcher local = LOCAL.matcher(sc.master());
    if (local.matches()) {
      int cores = local.group(1) == null ? 1
          : local.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(local.group(1));
      return new ExecutorSlots(cores / taskCpus, cores, taskCpus, false);
    }
    // The status tracker lists the driver too.
    int executors = Math.max(0, sc.statusTracker().getExecutorInfos().length - 1);
    boolean dynamic = conf.getBoolean("spark.dynamicAllocation.enabled", false);
    int cores;
    if (conf.contains("spark.executor.cores") || conf.contains("spark.default.parallelism") || executors == 0) {
      cores = conf.getInt("spark.executor.cores", 1);
    } else {
      // Standalone gives an executor all of a worker's cores unless told otherwise; without
      // spark.default.parallelism a cluster backend's default parallelism is its registered cores.
      cores = Math.max(1, sc.defaultParallelism() / executors);
    }
    return new ExecutorSlots(executors * (cores / taskCpus), cores, taskCpus, dynamic);
  }
}
