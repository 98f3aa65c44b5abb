package dev.duet.traindl;

import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;

/**
 * Where train-dl's ND4J work runs when one application holds CPU and GPU executors (the whole
 * {@code run} on a cluster with a GPU node pool): a Spark stage-level {@link ResourceProfile}
 * that asks for executors with GPUs, one training task per executor and GPU. The RDDs it places
 * (minibatches, validation batches, test rows to predict) are computed on those executors only;
 * every other stage keeps the application's CPU executors. Needs dynamic allocation (with
 * shuffle tracking or a shuffle service); {@code conf/spark/mixed.conf} sets it all.
 *
 * <p>Off unless {@value #GPUS} is set: without it (local mode, the {@code gpu} profile's
 * all-GPU train-dl application, CPU clusters) the RDDs run on the application's executors.
 */
final class GpuPlacement {
  /** GPUs per train-dl executor; setting it turns the placement on. */
  static final String GPUS = "spark.duet.train-dl.executor.gpus";
  /** Cores and memory of a train-dl executor (default: the application's executor settings). */
  static final String CORES = "spark.duet.train-dl.executor.cores";
  static final String MEMORY = "spark.duet.train-dl.executor.memory";
  static final String MEMORY_OVERHEAD = "spark.duet.train-dl.executor.memoryOverhead";
  /** The script that lists a node's GPUs (default {@code spark.executor.resource.gpu.discoveryScript}). */
  static final String DISCOVERY_SCRIPT = "spark.duet.train-dl.gpu.discoveryScript";

  private final Optional<ResourceProfile> profile;

  private GpuPlacement(Optional<ResourceProfile> profile) {
    this.profile = profile;
  }

  static GpuPlacement of(SparkConf conf) {
    if (!conf.contains(GPUS)) {
      return new GpuPlacement(Optional.empty());
    }
    int gpus = conf.getInt(GPUS, 1);
    int cores = conf.getInt(CORES, conf.getInt("spark.executor.cores", 1));
    ExecutorResourceRequests executor = new ExecutorResourceRequests()
        .cores(cores)
        .memory(conf.get(MEMORY, conf.get("spark.executor.memory", "1g")))
        .resource("gpu", gpus, conf.get(DISCOVERY_SCRIPT, conf.get("spark.executor.resource.gpu.discoveryScript", "")),
            "nvidia.com");
    if (conf.contains(MEMORY_OVERHEAD)) {
      executor.memoryOverhead(conf.get(MEMORY_OVERHEAD));
    }
    // One task holds the executor's cores and GPUs: a DL4J worker trains one network with all of them.
    TaskResourceRequests task = new TaskResourceRequests().cpus(cores).resource("gpu", gpus);
    return new GpuPlacement(Optional.of(new ResourceProfileBuilder().require(executor).require(task).build()));
  }

  /** The RDD, to be computed on GPU executors when the placement is on. */
  <T> JavaRDD<T> place(JavaRDD<T> rdd) {
    return profile.map(rdd::withResources).orElse(rdd);
  }

  /** GPUs per train-dl executor when the placement is on. */
  Optional<Integer> gpusPerExecutor() {
    return profile.map(p -> (int) p.executorResources().get("gpu").get().amount());
  }

  /** For the log and the summary: "GPU executors (resource profile p: n GPU each)" or "the application's executors". */
  String describe() {
    return profile.map(p -> "GPU executors (resource profile " + p.id() + ": " + gpusPerExecutor().get() + " GPU each)")
        .orElse("the application's executors");
  }
}
