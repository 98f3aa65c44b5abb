package dev.duet.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.config.EvaluateConfig.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blessing gate over a real claim chain on the local file system. */
class BlessingTest {
  @TempDir
  Path tmp;
  private FileSystem fs;
  private org.apache.hadoop.fs.Path pipeline;

  @BeforeEach
  void store() throws Exception {
    fs = FileSystem.getLocal(new Configuration());
    pipeline = new org.apache.hadoop.fs.Path(tmp.resolve("p").toUri());
  }

  private Blessing decide(String run, Metric m, double score, double margin) {
    return Blessing.decide(fs, pipeline, run, m, score, margin);
  }

  @Test
  void aRunBetterThanTheLastBlessedOneByTheMarginIsBlessed() {
    assertThat(decide("r1", Metric.ROC_AUC, 0.70, 0.01).blessed()).isTrue();
    assertThat(decide("r2", Metric.ROC_AUC, 0.705, 0.01).blessed()).as("within the margin: not the bar").isFalse();
    assertThat(decide("r3", Metric.ROC_AUC, 0.72, 0.01).blessed()).isTrue();
    Blessing b = decide("r4", Metric.ROC_AUC, 0.731, 0.01);
    assertThat(b.blessed()).isTrue();
    assertThat(b.previous()).contains("r3");
    assertThat(b.reason()).contains("beats the last blessed run r3");
  }

  @Test
  void aWorseRunOrOneWithinTheMarginIsNotBlessed() {
    decide("r1", Metric.ROC_AUC, 0.72, 0.0);
    assertThat(decide("r2", Metric.ROC_AUC, 0.71, 0.0).blessed()).isFalse();
    Blessing within = decide("r3", Metric.ROC_AUC, 0.725, 0.01);
    assertThat(within.blessed()).isFalse();
    assertThat(within.reason()).contains("does not beat the last blessed run r1");
  }

  @Test
  void lowerIsBetterForErrorMetrics() {
    decide("a", Metric.RMSE, 31.0, 0.1);
    assertThat(decide("b", Metric.RMSE, 31.5, 0.1).blessed()).isFalse();
    assertThat(decide("c", Metric.RMSE, 30.5, 0.1).blessed()).isTrue();
  }

  @Test
  void theFirstRunOnAMetricSetsTheBar() {
    decide("r1", Metric.ROC_AUC, 0.9, 0.0);
    Blessing b = decide("r2", Metric.ACCURACY, 0.5, 0.0);
    assertThat(b.blessed()).isTrue();
    assertThat(b.previous()).isEmpty();
  }

  @Test
  void aReEvaluationOfABlessedRunStaysBlessedAndDecidesNothingAgain() {
    decide("r1", Metric.ROC_AUC, 0.70, 0.0);
    decide("r2", Metric.ROC_AUC, 0.75, 0.0);
    decide("r3", Metric.ROC_AUC, 0.80, 0.0);
    Blessing again = decide("r2", Metric.ROC_AUC, 0.75, 0.0);
    assertThat(again.blessed()).isTrue();
    assertThat(again.previous()).contains("r1");
    assertThat(again.reason()).contains("not decided twice");
  }

  @Test
  void ofEvaluationsRacingOverOneBarExactlyOnePassesIt() throws Exception {
    decide("bar", Metric.ACCURACY, 0.80, 0.01);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Callable<Blessing>> racers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String run = "racer-" + i;
        racers.add(() -> {
          start.await();
          return decide(run, Metric.ACCURACY, 0.85, 0.01); // each beats the bar, none beats another
        });
      }
      List<Future<Blessing>> decisions = new ArrayList<>();
      racers.forEach(r -> decisions.add(pool.submit(r)));
      start.countDown();
      List<Blessing> blessed = new ArrayList<>();
      for (Future<Blessing> d : decisions) {
        if (d.get().blessed()) {
          blessed.add(d.get());
        }
      }
      assertThat(blessed).hasSize(1);
      assertThat(blessed.get(0).previous()).contains("bar");
      try (var claims = Files.list(tmp.resolve("p/blessings/accuracy"))) {
        assertThat(claims.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json")))
            .as("the chain: the first bar and its one successor").hasSize(2);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
