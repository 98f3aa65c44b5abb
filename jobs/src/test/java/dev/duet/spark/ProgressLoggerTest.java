package dev.duet.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.SparkTestSession;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.function.ForeachFunction;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Progress lines on real Spark jobs, with the interval shortened to 300 ms. */
class ProgressLoggerTest {
  private final SparkSession spark = SparkTestSession.get();
  private final SparkContext sc = spark.sparkContext();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final ProgressLogger logger = new ProgressLogger(300, lines::add);

  @BeforeEach
  void listen() {
    sc.addSparkListener(logger);
  }

  @AfterEach
  void stopListening() {
    sc.setJobDescription(null);
    sc.removeSparkListener(logger);
  }

  @Test
  void oneLongJobReportsItsTasksAndAnEta() throws Exception {
    sc.setJobDescription("test: one job");
    spark.range(0, 8, 1, 8).foreach((ForeachFunction<Long>) i -> Thread.sleep(200));
    sc.listenerBus().waitUntilEmpty();
    assertThat(lines).isNotEmpty()
        .allSatisfy(l -> assertThat(l).matches("test: one job: [1-7]/8 tasks \\(\\d+%\\), \\d+s elapsed, ETA \\d+s"));
  }

  @Test
  void manyShortJobsUnderOneNameCountTheJobsInsteadOfALinePerJob() throws Exception {
    sc.setJobDescription("test: rounds");
    long start = System.nanoTime();
    for (int round = 0; round < 12; round++) {
      spark.range(0, 2, 1, 2).foreach((ForeachFunction<Long>) i -> Thread.sleep(100));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    sc.listenerBus().waitUntilEmpty();
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("test: rounds: "));
    assertThat(lines).as("one line per interval at most, not one per job").hasSizeLessThanOrEqualTo((int) (seconds / 0.3) + 1)
        .hasSizeLessThan(12);
    assertThat(lines.get(lines.size() - 1)).matches("test: rounds: ([2-9]|1[0-2]) Spark jobs so far, \\d+s elapsed");
  }
}
