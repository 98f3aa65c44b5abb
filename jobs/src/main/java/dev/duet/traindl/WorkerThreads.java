package dev.duet.traindl;

import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's native thread pools (its own and OpenBLAS's) sized to the cores one DL4J worker owns,
 * {@code spark.task.cpus}: every task of an executor trains its own worker at once, so pools of
 * all the machine's cores per worker oversubscribe the cores (bench/train-dl-mlp.sh: 2 workers on
 * 2 cores run 1.35x faster with one thread each). Called where DL4J runs, in each task; an
 * {@code OMP_NUM_THREADS} set by the user (or by {@code spark.executorEnv}) is kept as it is.
 */
final class WorkerThreads {
  private static volatile int configured;

  private WorkerThreads() {}

  static void use(int threads) {
    if (configured == threads || System.getenv("OMP_NUM_THREADS") != null) {
      return;
    }
    synchronized (WorkerThreads.class) {
      if (configured != threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        configured = threads;
      }
    }
  }
}
