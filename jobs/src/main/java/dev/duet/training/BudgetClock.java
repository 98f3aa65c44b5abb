package dev.duet.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.Budget;
import dev.duet.contracts.ModelCards.AnytimePoint;
import dev.duet.store.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A training stage's wall-clock against its {@link Budget}, shared by both families: what has
 * been spent (earlier failed attempts of the stage included, from a ledger in the stage's carried
 * directory) and what is left.
 */
public final class BudgetClock {
  /** The carried directory (kept across failed attempts) that holds the ledger. */
  public static final String CARRIED = "budget";
  private static final String LEDGER = "spent.json";

  private final Budget budget;
  private final double spentBefore;
  private final long started;
  private final Optional<FileSystem> fs;
  private final Optional<Path> ledger;

  private BudgetClock(Budget budget, double spentBefore, Optional<FileSystem> fs, Optional<Path> ledger) {
    this.budget = budget;
    this.spentBefore = spentBefore;
    this.started = System.nanoTime();
    this.fs = fs;
    this.ledger = ledger;
  }

  /** A clock that starts now, after what earlier attempts recorded in {@code carried}. */
  public static BudgetClock start(Budget budget, FileSystem fs, Path carried) {
    Path file = new Path(carried, LEDGER);
    double before;
    try {
      before = fs.exists(file) ? Json.read(fs, file).path("spent_seconds").asDouble(0) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the budget ledger " + file + ": " + e.getMessage(), e);
    }
    return new BudgetClock(budget, before, Optional.of(fs), Optional.of(file));
  }

  /** A clock with no budget and no ledger (a learning curve's refits, which count in their stage's). */
  public static BudgetClock unlimited() {
    return new BudgetClock(Budget.NONE, 0, Optional.empty(), Optional.empty());
  }

  public Budget budget() {
    return budget;
  }

  public boolean limited() {
    return budget.limited();
  }

  /** Seconds spent by this stage: earlier attempts and this one. */
  public double elapsed() {
    return spentBefore + (System.nanoTime() - started) / 1e9;
  }

  /** What earlier attempts of the stage spent. */
  public double spentBefore() {
    return spentBefore;
  }

  /** Seconds left (negative once overspent); infinite without a budget. */
  public double left() {
    return budget.limited() ? budget.seconds() - elapsed() : Double.POSITIVE_INFINITY;
  }

  /**
   * Seconds of the budget kept for the learning curve's refits, when one is asked for: 15%, so
   * that its points fit (each is checked against what is left before it starts).
   */
  public double curveReserve(boolean curveAsked) {
    return budget.limited() && curveAsked ? 0.15 * budget.seconds() : 0;
  }

  /** Records the time spent so far, for an attempt after this one to continue from. */
  public void save() {
    if (ledger.isEmpty() || !budget.limited()) {
      return;
    }
    ObjectNode j = Json.object();
    j.put("spent_seconds", elapsed());
    Json.write(fs.get(), ledger.get(), j);
  }

  /**
   * The family's anytime trace from each model's validation scores as they came: in time order,
   * each point the best so far (and the model that holds it), so the trace never gets worse.
   */
  public static List<AnytimePoint> bestSoFar(List<AnytimePoint> scored, boolean higherIsBetter) {
    List<AnytimePoint> inOrder = scored.stream().filter(p -> !Double.isNaN(p.score()))
        .sorted(Comparator.comparingDouble(AnytimePoint::seconds)).toList();
    List<AnytimePoint> trace = new ArrayList<>();
    AnytimePoint best = null;
    for (AnytimePoint p : inOrder) {
      if (best == null || (higherIsBetter ? p.score() > best.score() : p.score() < best.score())) {
        best = p;
      }
      trace.add(new AnytimePoint(p.seconds(), best.model(), best.score()));
    }
    return List.copyOf(trace);
  }
}
