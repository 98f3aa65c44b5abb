package dev.duet.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * Logs the progress of Spark jobs (tasks done, elapsed, ETA) at most every few seconds, named by
 * the job description the stage sets, so a long stage is never silent.
 */
public final class ProgressLogger extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressLogger.class);
  private static final long INTERVAL_MS = 10_000;

  private final Map<Integer, JobProgress> jobs = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> stageToJob = new ConcurrentHashMap<>();

  private static final class JobProgress {
    final String name;
    final long start = System.currentTimeMillis();
    final int tasks;
    int done;
    long lastLog = start;

    JobProgress(String name, int tasks) {
      this.name = name;
      this.tasks = tasks;
    }
  }

  static void attach(SparkContext sc) {
    boolean present = JavaConverters.seqAsJavaList(sc.listenerBus().findListenersByClass(
        scala.reflect.ClassTag$.MODULE$.apply(ProgressLogger.class))).size() > 0;
    if (!present) {
      sc.addSparkListener(new ProgressLogger());
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart event) {
    int tasks = 0;
    for (StageInfo s : JavaConverters.seqAsJavaList(event.stageInfos())) {
      tasks += s.numTasks();
      stageToJob.put(s.stageId(), event.jobId());
    }
    String desc = event.properties() == null ? null : event.properties().getProperty("spark.job.description");
    jobs.put(event.jobId(), new JobProgress(desc == null ? "job " + event.jobId() : desc, tasks));
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Integer jobId = stageToJob.get(event.stageId());
    JobProgress job = jobId == null ? null : jobs.get(jobId);
    if (job == null) {
      return;
    }
    synchronized (job) {
      job.done++;
      long now = System.currentTimeMillis();
      if (now - job.lastLog >= INTERVAL_MS && job.done < job.tasks) {
        job.lastLog = now;
        double elapsed = (now - job.start) / 1000.0;
        double eta = elapsed / job.done * (job.tasks - job.done);
        LOG.info("{}: {}/{} tasks ({}%), {}s elapsed, ETA {}s", job.name, job.done, job.tasks,
            100 * job.done / Math.max(1, job.tasks), Math.round(elapsed), Math.round(eta));
      }
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd event) {
    JobProgress job = jobs.remove(event.jobId());
    stageToJob.values().removeIf(j -> j == event.jobId());
    if (job != null && System.currentTimeMillis() - job.start >= INTERVAL_MS) {
      LOG.info("{}: finished in {}s", job.name, Math.round((System.currentTimeMillis() - job.start) / 1000.0));
    }
  }
}
