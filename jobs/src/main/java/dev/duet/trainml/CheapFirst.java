package dev.duet.trainml;

import dev.duet.trainml.GridParams.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One algorithm's search within its share of a training budget, cheap configurations first and
 * then more rows and costlier candidates while the time pays for them (FLAML's order): the
 * cheapest candidate of the grid is fitted on a small seeded sample, then on samples
 * {@link #GROWTH} times larger up to every fit row; each next fit is started only if its cost,
 * extrapolated from the fits measured so far, fits in the time left. The other candidates, in
 * order of cost, start at the most rows their estimate allows, and are skipped when that is less
 * than a {@link #GROWTH}th of what the best fit so far had. Every fit is scored on the same
 * validation rows; the best is kept as fitted (the budget buys candidates, not a refit).
 */
final class CheapFirst {
  /** The first fit's sample: small enough that every algorithm delivers a model in seconds. */
  static final long FIRST_ROWS = 2_000;
  static final int GROWTH = 8;
  /** An estimate is trusted to this factor: a fit is started only if 1.25x its estimate fits. */
  static final double MARGIN = 1.25;
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

  /**
   * One fit: the candidate, its sample, what it took and scored.
   *
   * @param finished the stage clock's reading when its score was known
   */
  record Fit(Candidate candidate, long rows, double seconds, double score, double finished) {}

  /** The fits in the order they ran; {@code best} indexes the model kept. */
  record Result(Object model, List<Fit> fits, int best) {}

  private CheapFirst() {}

  /**
   * @param until the clock reading at which this algorithm's share ends
   * @param clock the stage's elapsed seconds
   */
  static Result search(String name, List<Candidate> candidates, long fitRows, double until, DoubleSupplier clock,
      Fitter fitter, Scorer scorer, boolean higherIsBetter) {
    List<Candidate> order = candidates.stream().sorted(Comparator.comparingDouble(CheapFirst::work)).toList();
    List<Fit> fits = new ArrayList<>();
    Object bestModel = null;
    int best = -1;
    Candidate cheapest = order.get(0);
    long rows = Math.min(fitRows, FIRST_ROWS);
    // The cheapest candidate, growing: always its first fit, so the family delivers a model.
    while (true) {
      double t0 = clock.getAsDouble();
      Object model = fitter.fit(cheapest, rows);
      Fit f = measured(name, cheapest, rows, clock.getAsDouble() - t0, model, scorer, fits, clock);
      if (best < 0 || better(f.score(), fits.get(best).score(), higherIsBetter)) {
        best = fits.size() - 1;
        bestModel = model;
      }
      if (rows >= fitRows) {
        break;
      }
      long next = Math.min(fitRows, rows * GROWTH);
      double estimate = estimate(fits, cheapest, next);
      if (estimate * MARGIN > until - clock.getAsDouble()) {
        LOG.info("train-ml: {}: {} on {} rows would take about {} s, {} s left of its share: keeping {} rows", name,
            params(cheapest), next, round(estimate), round(until - clock.getAsDouble()), rows);
        break;
      }
      rows = next;
    }
    long reached = rows;
    for (Candidate c : order.subList(1, order.size())) {
      double left = until - clock.getAsDouble();
      long n = reached;
      double estimate = estimate(fits, c, n);
      while (estimate * MARGIN > left && n > FIRST_ROWS) {
        n = Math.max(FIRST_ROWS, n / GROWTH);
        estimate = estimate(fits, c, n);
      }
      if (estimate * MARGIN > left || n * GROWTH <= reached) {
        LOG.info("train-ml: {}: {} not started: about {} s on {} rows, {} s left of its share", name, params(c),
            round(estimate(fits, c, reached)), reached, round(left));
        continue;
      }
      double t0 = clock.getAsDouble();
      Object model = fitter.fit(c, n);
      Fit f = measured(name, c, n, clock.getAsDouble() - t0, model, scorer, fits, clock);
      if (better(f.score(), fits.get(best).score(), higherIsBetter)) {
        best = fits.size() - 1;
        bestModel = model;
      }
    }
    return new Result(bestModel, List.copyOf(fits), best);
  }

  private static Fit measured(String name, Candidate c, long rows, double seconds, Object model, Scorer scorer,
      List<Fit> fits, DoubleSupplier clock) {
    double score = scorer.score(model);
    double finished = clock.getAsDouble();
    Fit f = new Fit(c, rows, seconds, score, finished);
    fits.add(f);
    LOG.info("train-ml: {}: {} on {} rows: fitted in {} s, validation {} ({} s into the stage)", name, params(c), rows,
        round(seconds), String.format(Locale.ROOT, "%.4f", score), round(finished));
    return f;
  }

  /**
   * A candidate's seconds on {@code rows}: from the fits of the same candidate (a line through the
   * last two, or proportional to rows from one), else the cheapest candidate's scaled by cost.
   */
  static double estimate(List<Fit> fits, Candidate c, long rows) {
    List<Fit> same = fits.stream().filter(f -> f.candidate().equals(c)).toList();
    double scale = 1;
    if (same.isEmpty()) {
      Candidate ref = fits.get(0).candidate();
      same = fits.stream().filter(f -> f.candidate().equals(ref)).toList();
      scale = work(c) / work(ref);
    }
    Fit last = same.get(same.size() - 1);
    double proportional = last.seconds() * rows / last.rows();
    if (same.size() >= 2) {
      Fit prev = same.get(same.size() - 2);
      double slope = (last.seconds() - prev.seconds()) / (last.rows() - prev.rows());
      double line = last.seconds() + slope * (rows - last.rows());
      // A line below the last fit's time (fixed costs dominating) still costs at least that fit.
      proportional = slope > 0 ? Math.max(line, last.seconds()) : Math.max(last.seconds(), proportional / 2);
    }
    return scale * proportional;
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

  private static String params(Candidate c) {
    return c.values().toString();
  }

  private static double round(double s) {
    return Math.round(s * 10) / 10.0;
  }
}
