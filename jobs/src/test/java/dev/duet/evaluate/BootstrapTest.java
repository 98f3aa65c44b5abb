package dev.duet.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.evaluate.Bootstrap.Interval;
import dev.duet.evaluate.Bootstrap.Rows;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap's intervals on generated cases whose true differences are known: they cover the
 * truth about as often as they claim to, and they hold zero when there is nothing to find.
 */
class BootstrapTest {
  private static final int ROWS = 1_000;
  private static final int TRIALS = 40;

  @Test
  void theIntervalOfAnAccuracyGapCoversTheTrueGapAboutNinetyFivePercentOfTheTime() {
    assertThat(coverage(ROWS, TRIALS)).as("trials of %d whose 95%% interval holds the true gap", TRIALS)
        .isBetween(35, 40);
  }

  @Test
  void pastFiftyThousandRowsASampleResampledAndScaledStillCoversTheTrueGap() {
    int trials = 12;
    assertThat(coverage(Bootstrap.MAX_ROWS * 2, trials)).as("trials of %d whose 95%% interval holds the true gap",
        trials).isBetween(10, 12);
  }

  /** Of {@code trials} generated cases, how many intervals hold the true gap of 0.08. */
  private static int coverage(int rows, int trials) {
    // Two classifiers right with probability 0.80 and 0.72 on each row, independently: the true gap is 0.08.
    int covered = 0;
    for (int trial = 0; trial < trials; trial++) {
      Random r = new Random(trial);
      double[] label = new double[rows];
      double[] a = new double[rows];
      double[] b = new double[rows];
      for (int i = 0; i < rows; i++) {
        label[i] = r.nextInt(2);
        a[i] = r.nextDouble() < 0.80 ? label[i] : 1 - label[i];
        b[i] = r.nextDouble() < 0.72 ? label[i] : 1 - label[i];
      }
      Rows ra = classifier(label, a);
      Rows rb = classifier(label, b);
      Bootstrap boot = Bootstrap.of(Metric.ACCURACY, classifier(label, new double[rows]), List.of(ra, rb), trial);
      Interval gap = boot.gap(0, 1, accuracy(ra, rows) - accuracy(rb, rows));
      assertThat(gap.low()).isLessThan(gap.estimate());
      assertThat(gap.high()).isGreaterThan(gap.estimate());
      covered += gap.low() <= 0.08 && 0.08 <= gap.high() ? 1 : 0;
    }
    return covered;
  }

  @Test
  void aModelThatRanksAtRandomHasAnAucLiftIntervalAroundZeroAndOneThatRanksWellDoesNot() {
    Random r = new Random(7);
    double[] label = new double[ROWS];
    double[] random = new double[ROWS];
    double[] informed = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      label[i] = r.nextInt(2);
      random[i] = r.nextDouble();
      informed[i] = label[i] + r.nextGaussian();
    }
    Rows noSkill = scored(label, new double[ROWS], 0.5);
    Rows guessing = scored(label, random, Double.NaN);
    Rows ranking = scored(label, informed, Double.NaN);
    Bootstrap boot = Bootstrap.of(Metric.ROC_AUC, noSkill, List.of(guessing, ranking), 3);
    double auc = Bootstrap.score(Metric.ROC_AUC, guessing, guessing.byScore(), ones());
    Interval chance = boot.lift(0, auc - 0.5);
    assertThat(chance.containsZero()).as("random ranks: %s", chance).isTrue();
    Interval learned = boot.lift(1, Bootstrap.score(Metric.ROC_AUC, ranking, ranking.byScore(), ones()) - 0.5);
    assertThat(learned.surelyAbove()).as("informed ranks: %s", learned).isTrue();
    assertThat(Bootstrap.score(Metric.ROC_AUC, noSkill, noSkill.byScore(), ones())).as("all ties").isEqualTo(0.5);
  }

  private static Rows classifier(double[] label, double[] prediction) {
    double[] none = new double[label.length];
    Arrays.fill(none, Double.NaN);
    return new Rows(label, prediction, none, none, 2);
  }

  /** Scores that rank rows; {@code constant}: every row the same score. */
  private static Rows scored(double[] label, double[] score, double constant) {
    double[] s = Double.isNaN(constant) ? score : new double[label.length];
    if (!Double.isNaN(constant)) {
      Arrays.fill(s, constant);
    }
    double[] prediction = Arrays.stream(s).map(x -> x > 0.5 ? 1 : 0).toArray();
    double[] none = new double[label.length];
    Arrays.fill(none, Double.NaN);
    return new Rows(label, prediction, s, none, 2);
  }

  private static double accuracy(Rows r, int rows) {
    return Bootstrap.score(Metric.ACCURACY, r, null, ones(rows));
  }

  private static int[] ones() {
    return ones(ROWS);
  }

  private static int[] ones(int rows) {
    int[] w = new int[rows];
    Arrays.fill(w, 1);
    return w;
  }
}
