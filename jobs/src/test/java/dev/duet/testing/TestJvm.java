package dev.duet.testing;

/** Options of the JVMs the tests start (drivers, executors, the launcher), beside pom.xml's argLine for the test JVMs. */
public final class TestJvm {
  /**
   * Throughput over pause times: the suite's Spark runs are short batch jobs on 2 cores, where
   * G1's concurrent threads compete with the tasks. Measured 2026-12-07, 2 cores: Evaluate- and
   * ScoreCommandTest 233 s with G1, 208 s with the parallel collector (CPU 391 s, 345 s);
   * TrainMl- and TrainDlTablesCommandTest 195 s, 182 s (CPU 349 s, 320 s).
   */
  public static final String GC = "-XX:+UseParallelGC";

  /**
   * For a JVM that runs a stage or an executor on test-sized data: the client compiler only. Such
   * a JVM lives for seconds of work, and C2's compilations (most of a fresh Spark JVM's CPU on 2
   * cores) never pay back. Measured 2026-12-07, 2 cores: SparkSubmitIT (five spark-submits) 119
   * and 131 s with C2, 96 and 87 s without; the four standalone-cluster classes 417 s, 363 s.
   * Not for real work: the launcher's 3M-flight ingest took 51 s without C2 against 41 s with it,
   * and the test JVMs themselves keep C2 (TrainMlCommandTest 155 s without, 137 s with).
   */
  public static final String SHORT_STAGE = GC + " -XX:TieredStopAtLevel=1";

  private TestJvm() {}
}
