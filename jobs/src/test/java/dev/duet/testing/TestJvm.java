package dev.duet.testing;

/** Options of the JVMs the tests start, as pom.xml's argLine sets them for the test JVMs themselves. */
public final class TestJvm {
  /**
   * Throughput over pause times: the suite's Spark runs are short batch jobs on 2 cores, where
   * G1's concurrent threads compete with the tasks. Measured 2026-12-07, 2 cores: Evaluate- and
   * ScoreCommandTest 233 s with G1, 208 s with the parallel collector (CPU 391 s, 345 s);
   * TrainMl- and TrainDlTablesCommandTest 195 s, 182 s (CPU 349 s, 320 s).
   */
  public static final String GC = "-XX:+UseParallelGC";

  private TestJvm() {}
}
