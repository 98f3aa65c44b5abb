package dev.duet.trainml;

import dev.duet.trainml.GridParams.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * train-ml's search under a budget, cheap configurations first and then more rows and costlier
 * candidates where they pay (FLAML's order). Each algorithm first fits its grid's cheapest
 * candidate on a small seeded sample ({@link #FIRST_ROWS}), so every algorithm that gets a turn
 * delivers a model in seconds. Then successive halving: in each round every algorithm still in,
 * best validation score first, takes its next step if it fits in the time left (its best
 * candidate on {@link #GROWTH} times the rows, else its next candidate by cost on the best one's
 * rows), and the better half of those that stepped stays in; the last one keeps stepping while
 * its steps fit. A step's cost is extrapolated from the fits measured so far; one that would not
 * finish is not started. Every fit is scored on the same validation rows; each algorithm keeps its
 * best fit as fitted (the budget buys candidates and rows, not a refit).
 */
final class CheapFirst {
  /** The first fit's sample: small enough that every algorithm delivers a model in seconds. */
  static final long FIRST_ROWS = 2_000;
  static final int GROWTH = 8;
  /** An estimate is trusted to this factor: a fit is started only if 1.25x its estimate fits. */
  static final double MARGIN = 1.25;
  /**
   * With one fit measured, this share of its time is taken as fixed (rounds, Spark jobs), the rest
   * as growing with rows: on 2,000 rows a fit is mostly fixed cost (flights: XGBoost's 300 rounds
   * 5.7 s on 2,000 rows, 7 s on 16,000; LightGBM 6.9 s and 21 s). k-NN's cost is all per row.
   */
  static final double FIXED_SHARE = 0.75;
  /** Grid parameters a fit's cost grows with: rounds, iterations, trees; tree depth and leaves. */
  private static final Set<String> ROUNDS = Set.of("numRound", "num_round", "numIterations", "maxIter", "numTrees");
  private static final Set<String> DEPTH = Set.of("maxDepth", "max_depth");
  private static final Set<String> LEAVES = Set.of("numLeaves", "max_leaves");
  private static final Logger LOG = LoggerFactory.getLogger(CheapFirst.class);

  /** Fits a candidate on a seeded sample of {@code rows} of the fit rows. */
  @FunctionalInterface
  interface Fitter {
    Object fit(Candidate candidate, long rows);
  }

  /** A fitted model's validation score. */
  @FunctionalInterface
  interface Scorer {
    double score(Object model);
  }

  /** Seconds that predicting a seeded sample of {@code rows} test rows with a model takes. */
  @FunctionalInterface
  interface TestProbe {
    double seconds(Object model);
  }

  /**
   * What finishing an algorithm predicts: the test split and permutation importance's shuffled
   * copies, and the probe's sample of the test split that times it.
   */
  record Finish(long predictedRows, TestProbe probe, long probeRows) {}

  /**
   * One fit: the candidate, its sample, what it took and scored.
   *
   * @param seconds  fitting and scoring it
   * @param scoring  of which scoring the validation rows
   * @param finished the stage clock's reading when its score was known
   */
  record Fit(Candidate candidate, long rows, double seconds, double scoring, double score, double finished) {}

  /** A fit not made yet, with its estimated seconds. */
  record Step(Candidate candidate, long rows, double estimate) {}

  private CheapFirst() {}

  /** One algorithm's search: its grid by cost, the fits made, and the best so far. */
  static final class Search {
    private final String name;
    private final List<Candidate> order;
    private final long fitRows;
    private final Fitter fitter;
    private final Scorer scorer;
    private final boolean higherIsBetter;
    private final List<Fit> fits = new ArrayList<>();
    private final Finish finish;
    private final boolean predictGrowsWithRows;
    private Object bestModel;
    private int best = -1;
    /** A predict's fixed seconds and seconds per row, from the first fit (a line through its two timings). */
    private double predictFixed;
    private double predictPerRow;

    /**
     * @param predictGrowsWithRows a model whose predictions cost more the more rows it was fitted on
     *                             (k-NN's reference rows): a step on more rows costs more to finish too
     */
    Search(String name, List<Candidate> candidates, long fitRows, Fitter fitter, Scorer scorer, boolean higherIsBetter,
        Finish finish, boolean predictGrowsWithRows) {
      this.name = name;
      this.order = candidates.stream().sorted(Comparator.comparingDouble(CheapFirst::work)).toList();
      this.fitRows = fitRows;
      this.fitter = fitter;
      this.scorer = scorer;
      this.higherIsBetter = higherIsBetter;
      this.finish = finish;
      this.predictGrowsWithRows = predictGrowsWithRows;
    }

    String name() {
      return name;
    }

    List<Fit> fits() {
      return List.copyOf(fits);
    }

    Object bestModel() {
      return bestModel;
    }

    int best() {
      return best;
    }

    double bestScore() {
      return best < 0 ? Double.NaN : fits.get(best).score();
    }

    /**
     * Seconds that finishing its best fit should take: its two predicts (the test split, the
     * shuffled copies) on the line the first fit's timings give, and a second to save it.
     */
    double finishing() {
      if (best < 0) {
        return 0;
      }
      double scale = predictGrowsWithRows ? (double) fits.get(best).rows() / fits.get(0).rows() : 1;
      return 2 * predictFixed + predictPerRow * scale * finish.predictedRows() + 1;
    }

    /**
     * The cheapest candidate on {@link #FIRST_ROWS} (or every fit row, if fewer); its predicts are
     * timed twice (the validation rows, the probe's test rows) for what finishing will take.
     */
    void first(DoubleSupplier clock, long scoredRows) {
      run(new Step(order.get(0), Math.min(fitRows, FIRST_ROWS), Double.NaN), clock);
      double validation = fits.get(0).scoring();
      double probe = finish.probe().seconds(bestModel);
      long probeRows = finish.probeRows();
      predictPerRow = probeRows > scoredRows ? Math.max(0, (probe - validation) / (probeRows - scoredRows))
          : probe / Math.max(1, probeRows);
      predictFixed = Math.max(0, probe - predictPerRow * probeRows);
      LOG.info("train-ml: {}: predicting {} rows took {} s, {} rows {} s: finishing it should take about {} s", name,
          scoredRows, round(validation), probeRows, round(probe), round(finishing()));
    }

    /**
     * Its next steps, most worth it first: the best candidate on {@link #GROWTH} times the most rows
     * it has had, then the next candidate by cost on the rows of the best fit; none made before.
     */
    List<Step> next() {
      List<Step> steps = new ArrayList<>();
      Fit top = fits.get(best);
      long most = fits.stream().filter(f -> f.candidate().equals(top.candidate())).mapToLong(Fit::rows).max()
          .orElseThrow();
      if (most < fitRows) {
        long rows = Math.min(fitRows, most * GROWTH);
        double finishingMore = predictGrowsWithRows
            ? (finishing() - 2 * predictFixed - 1) * ((double) rows / top.rows() - 1) : 0;
        steps.add(new Step(top.candidate(), rows, estimate(top.candidate(), rows) + finishingMore));
      }
      order.stream().filter(c -> fits.stream().noneMatch(f -> f.candidate().equals(c))).findFirst()
          .ifPresent(c -> steps.add(new Step(c, top.rows(), estimate(c, top.rows()))));
      return steps;
    }

    void run(Step step, DoubleSupplier clock) {
      double t0 = clock.getAsDouble();
      Object model = fitter.fit(step.candidate(), step.rows());
      double fitted = clock.getAsDouble();
      double score = scorer.score(model);
      double finished = clock.getAsDouble();
      fits.add(new Fit(step.candidate(), step.rows(), finished - t0, finished - fitted, score, finished));
      if (best < 0 || better(score, bestScore(), higherIsBetter)) {
        best = fits.size() - 1;
        bestModel = model;
      }
      LOG.info("train-ml: {}: {} on {} rows: fitted and scored in {} s{}, validation {} ({} s into the stage)", name,
          step.candidate().values(), step.rows(), round(finished - t0),
          Double.isNaN(step.estimate()) ? "" : " (estimated " + round(step.estimate()) + " s)",
          String.format(Locale.ROOT, "%.4f", score), round(finished));
    }

    /**
     * A candidate's seconds on {@code rows}: from its own fits (a line through the last two, or
     * from one with {@link #FIXED_SHARE} of its time fixed), else the cheapest candidate's scaled by cost.
     */
    double estimate(Candidate c, long rows) {
      List<Fit> same = fits.stream().filter(f -> f.candidate().equals(c)).toList();
      double scale = 1;
      if (same.isEmpty()) {
        Candidate ref = fits.get(0).candidate();
        same = fits.stream().filter(f -> f.candidate().equals(ref)).toList();
        scale = work(c) / work(ref);
      }
      Fit last = same.get(same.size() - 1);
      double fixed = predictGrowsWithRows ? 0 : FIXED_SHARE;
      double oneFit = last.seconds() * (fixed + (1 - fixed) * rows / last.rows());
      if (same.size() < 2 || same.get(same.size() - 2).rows() == last.rows()) {
        return scale * oneFit;
      }
      Fit prev = same.get(same.size() - 2);
      double slope = (last.seconds() - prev.seconds()) / (last.rows() - prev.rows());
      // A line below the last fit's time (noise, fixed costs dominating) still costs at least that fit.
      return scale * (slope > 0 ? Math.max(last.seconds(), last.seconds() + slope * (rows - last.rows()))
          : Math.max(last.seconds(), oneFit));
    }
  }

  /**
   * Spends the time until {@code until} (a clock reading, re-read before each step) in rounds of
   * successive halving over the searches; stops when no search still in has a step that fits.
   */
  static void spend(List<Search> searches, DoubleSupplier until, DoubleSupplier clock, boolean higherIsBetter) {
    Comparator<Search> byScore = (a, b) -> better(a.bestScore(), b.bestScore(), higherIsBetter) ? -1
        : better(b.bestScore(), a.bestScore(), higherIsBetter) ? 1 : 0;
    List<Search> in = searches.stream().filter(s -> s.best >= 0).sorted(byScore).toList();
    while (!in.isEmpty()) {
      List<Search> stepped = new ArrayList<>();
      for (Search s : in) {
        double left = until.getAsDouble() - clock.getAsDouble();
        Optional<Step> step = s.next().stream().filter(x -> x.estimate() * MARGIN <= left).findFirst();
        if (step.isPresent()) {
          s.run(step.get(), clock);
          stepped.add(s);
        }
      }
      stepped.sort(byScore);
      in = List.copyOf(stepped.subList(0, (stepped.size() + 1) / 2));
    }
    LOG.info("train-ml: no next fit of the algorithms still in fits in the {} s left of the search",
        round(Math.max(0, until.getAsDouble() - clock.getAsDouble())));
  }

  /** How much a candidate's fit costs relative to others of its grid: rounds x tree size. */
  static double work(Candidate c) {
    double rounds = 1;
    double depth = 1;
    for (var e : c.values().entrySet()) {
      if (!(e.getValue() instanceof Number v)) {
        continue;
      }
      if (ROUNDS.contains(e.getKey())) {
        rounds *= Math.max(1, v.doubleValue());
      } else if (DEPTH.contains(e.getKey())) {
        depth = Math.max(depth, v.doubleValue());
      } else if (LEAVES.contains(e.getKey())) {
        depth = Math.max(depth, Math.log(Math.max(2, v.doubleValue())) / Math.log(2));
      }
    }
    return rounds * depth;
  }

  private static boolean better(double a, double b, boolean higherIsBetter) {
    return !Double.isNaN(a) && (Double.isNaN(b) || (higherIsBetter ? a > b : a < b));
  }

  private static double round(double s) {
    return Math.round(s * 10) / 10.0;
  }
}
