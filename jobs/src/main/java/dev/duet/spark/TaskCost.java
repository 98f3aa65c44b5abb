package dev.duet.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * What a piece of work cost the cluster: wall time on the driver and the executors' CPU and run
 * time summed over every task it ran, measured by a SparkListener. Work is told apart by Spark
 * job group, so tasks of threads the work starts (parallel tuning) are counted too.
 */
public final class TaskCost extends SparkListener {
  private static final String JOB_GROUP = "spark.jobGroup.id";

  private final Map<Integer, String> stageGroups = new ConcurrentHashMap<>();
  private final Map<String, long[]> totals = new ConcurrentHashMap<>(); // cpu ns, run ms, tasks
  private final SparkContext sc;

  /** @param wallSeconds driver wall time; cpuSeconds and runSeconds summed over tasks */
  public record Cost(double wallSeconds, double executorCpuSeconds, double executorRunSeconds, long tasks) {}

  private TaskCost(SparkContext sc) {
    this.sc = sc;
  }

  public static TaskCost attach(SparkContext sc) {
    TaskCost listener = new TaskCost(sc);
    sc.addSparkListener(listener);
    return listener;
  }

  public void detach() {
    sc.removeSparkListener(this);
  }

  /** Runs {@code work} in its own job group and returns its result with its cost. */
  public <T> Measured<T> measure(String group, String description, Supplier<T> work) {
    sc.setJobGroup(group, description, false);
    long start = System.nanoTime();
    T result;
    try {
      result = work.get();
    } finally {
      sc.clearJobGroup();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    try {
      sc.listenerBus().waitUntilEmpty(30_000); // task-end events are delivered asynchronously
    } catch (java.util.concurrent.TimeoutException e) {
      // a busy bus: report what has arrived rather than stall the stage
    }
    long[] t = totals.getOrDefault(group, new long[3]);
    return new Measured<>(result, new Cost(wall, t[0] / 1e9, t[1] / 1e3, t[2]));
  }

  public record Measured<T>(T result, Cost cost) {}

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    String group = event.properties() == null ? null : event.properties().getProperty(JOB_GROUP);
    if (group != null) {
      stageGroups.put(event.stageInfo().stageId(), group);
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    String group = stageGroups.get(event.stageId());
    TaskMetrics m = event.taskMetrics();
    if (group == null || m == null) {
      return;
    }
    long[] t = totals.computeIfAbsent(group, g -> new long[3]);
    synchronized (t) {
      t[0] += m.executorCpuTime();
      t[1] += m.executorRunTime();
      t[2]++;
    }
  }
}
