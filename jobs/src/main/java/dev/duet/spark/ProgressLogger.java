package dev.duet.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;

/**
 * Logs the progress of the work a stage names with its job description ("ingest: read, check and
 * write clean…", "train-dl: lstm epoch 3"), at most once per interval, so a long stage is never
 * silent and never prints a line per Spark job. While the work is one job the line gives its
 * tasks done and ETA; work that runs job after job under one name (a network's averaging rounds,
 * a tuner's fits) gets one line per interval counting the jobs so far.
 */
public final class ProgressLogger extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressLogger.class);
  private static final long INTERVAL_MS = 20_000;
  /** A name whose jobs paused longer than this starts anew when it comes back. */
  private static final long GAP_MS = 5_000;

  private final long intervalMs;
  private final Consumer<String> log;
  private final Map<String, Activity> activities = new ConcurrentHashMap<>();
  private final Map<Integer, Activity> byJob = new ConcurrentHashMap<>();
  private final Map<Integer, Activity> byStage = new ConcurrentHashMap<>();

  /** The jobs that ran, back to back, under one description. */
  private static final class Activity {
    final String name;
    final long start = System.currentTimeMillis();
    long lastLog = start;
    long lastEnd = start;
    int jobs;
    int running;
    int tasks;
    int done;

    Activity(String name) {
      this.name = name;
    }
  }

  ProgressLogger(long intervalMs, Consumer<String> log) {
    this.intervalMs = intervalMs;
    this.log = log;
  }

  static void attach(SparkContext sc) {
    boolean present = JavaConverters.seqAsJavaList(sc.listenerBus().findListenersByClass(
        scala.reflect.ClassTag$.MODULE$.apply(ProgressLogger.class))).size() > 0;
    if (!present) {
      sc.addSparkListener(new ProgressLogger(INTERVAL_MS, LOG::info));
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart event) {
    String desc = event.properties() == null ? null : event.properties().getProperty("spark.job.description");
    String name = desc == null ? "job " + event.jobId() : desc;
    long now = System.currentTimeMillis();
    activities.values().removeIf(a -> a.running == 0 && now - a.lastEnd > GAP_MS);
    Activity activity = activities.computeIfAbsent(name, Activity::new);
    synchronized (activity) {
      activity.jobs++;
      activity.running++;
      for (StageInfo s : JavaConverters.seqAsJavaList(event.stageInfos())) {
        activity.tasks += s.numTasks();
        byStage.put(s.stageId(), activity);
      }
    }
    byJob.put(event.jobId(), activity);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Activity a = byStage.get(event.stageId());
    if (a == null) {
      return;
    }
    synchronized (a) {
      a.done++;
      long now = System.currentTimeMillis();
      if (now - a.lastLog < intervalMs || a.done >= a.tasks) {
        return;
      }
      a.lastLog = now;
      double elapsed = (now - a.start) / 1000.0;
      if (a.jobs == 1) {
        double eta = elapsed / a.done * (a.tasks - a.done);
        log.accept(String.format("%s: %d/%d tasks (%d%%), %ds elapsed, ETA %ds", a.name, a.done, a.tasks,
            100 * a.done / Math.max(1, a.tasks), Math.round(elapsed), Math.round(eta)));
      } else {
        log.accept(String.format("%s: %d Spark jobs so far, %ds elapsed", a.name, a.jobs, Math.round(elapsed)));
      }
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd event) {
    Activity a = byJob.remove(event.jobId());
    if (a == null) {
      return;
    }
    byStage.values().removeIf(s -> s == a && a.running == 1);
    synchronized (a) {
      a.running--;
      a.lastEnd = System.currentTimeMillis();
    }
  }
}
