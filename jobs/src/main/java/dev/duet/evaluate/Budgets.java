package dev.duet.evaluate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCards;
import dev.duet.contracts.ModelCards.AnytimePoint;
import dev.duet.contracts.ModelCards.Spend;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What each family spent against the training budget and how its best validation score grew
 * with the seconds (the anytime traces of the training stages' card files), and where one family's
 * trace overtakes the other's: each stage's clock starts at its own start, so equal seconds are
 * equal minutes of the same executor slots.
 *
 * @param stages each finished training stage's card file
 */
record Budgets(Map<Family, ModelCards> stages) {

  Optional<ModelCards> of(Family f) {
    return Optional.ofNullable(stages.get(f));
  }

  List<AnytimePoint> trace(Family f) {
    return of(f).map(ModelCards::anytime).orElse(List.of());
  }

  /**
   * Which family's best-so-far validation score is ahead over time: "classic ML ahead from 2 s;
   * deep learning from 95 s" (each time the lead changes), or why it cannot be said.
   */
  String crossing(Metric metric) {
    List<AnytimePoint> classic = trace(Family.CLASSIC);
    List<AnytimePoint> deep = trace(Family.DEEP);
    if (classic.isEmpty() || deep.isEmpty()) {
      return "no anytime trace of " + (classic.isEmpty() && deep.isEmpty() ? "either family"
          : (classic.isEmpty() ? Family.CLASSIC : Family.DEEP).title()) + " to compare";
    }
    TreeSet<Double> times = new TreeSet<>();
    classic.forEach(p -> times.add(p.seconds()));
    deep.forEach(p -> times.add(p.seconds()));
    List<String> leads = new ArrayList<>();
    Family leader = null;
    for (double t : times) {
      Double c = at(classic, t);
      Double d = at(deep, t);
      Family now = c == null ? Family.DEEP : d == null ? Family.CLASSIC
          : metric.beats(d, c, 0) ? Family.DEEP : metric.beats(c, d, 0) ? Family.CLASSIC : leader;
      if (now != null && now != leader) {
        leads.add(now.title() + (leads.isEmpty() ? " ahead from " : " from ") + seconds(t));
        leader = now;
      }
    }
    return leads.size() == 1 ? leads.get(0).replace(" from ", " throughout, from ") : String.join("; ", leads);
  }

  /** The best-so-far score at {@code t}: the last point at or before it (null: none yet). */
  private static Double at(List<AnytimePoint> trace, double t) {
    Double v = null;
    for (AnytimePoint p : trace) {
      if (p.seconds() <= t) {
        v = p.score();
      }
    }
    return v;
  }

  /** The head-to-head cell of a family's spend: "used 212 s of a 240 s budget on 2 task slots, no GPU". */
  String spend(Family f) {
    return of(f).map(cards -> {
      Spend s = cards.spend();
      if (s == null) {
        return "not recorded (trained by an earlier Duet)";
      }
      String used = s.budgetSeconds() == null ? String.format(Locale.ROOT, "no budget: %s", seconds(s.seconds()))
          : String.format(Locale.ROOT, "used %s of a %s budget", seconds(s.seconds()), seconds(s.budgetSeconds()));
      String left = cards.notTrained().isEmpty() ? "" : "; not trained (budget): "
          + String.join(", ", cards.notTrained().stream().map(ModelCards.NotTrained::name).toList());
      return used + String.format(Locale.ROOT, " on %d task slot%s, %s", s.taskSlots(), s.taskSlots() == 1 ? "" : "s",
          s.gpus() > 0 ? s.gpus() + " GPU(s)" : "no GPU") + left;
    }).orElse("no finished stage");
  }

  /** The head-to-head cell of a family's trace: its first, middle and last best-so-far points. */
  String traceCell(Family f) {
    List<AnytimePoint> t = trace(f);
    if (t.isEmpty()) {
      return "no trace";
    }
    List<AnytimePoint> shown = t.size() <= 3 ? t : List.of(t.get(0), t.get(t.size() / 2), t.get(t.size() - 1));
    return String.join(", ", shown.stream().map(p -> Recommendation.fmt(p.score()) + " at " + seconds(p.seconds())
        + " (" + p.model() + ")").toList());
  }

  ObjectNode toJson(Metric metric) {
    ObjectNode j = Json.object();
    j.put("crossing", crossing(metric));
    for (Family f : Family.values()) {
      ObjectNode fam = j.putObject(f == Family.CLASSIC ? "classic_ml" : "deep_learning");
      of(f).ifPresentOrElse(cards -> {
        Spend s = cards.spend();
        if (s != null) {
          Json.putNumber(fam, "budget_seconds", s.budgetSeconds() == null ? Double.NaN : s.budgetSeconds());
          fam.put("seconds", s.seconds());
          fam.put("task_slots", s.taskSlots());
          fam.put("gpus", s.gpus());
        }
        fam.put("metric", cards.metric());
        ArrayNode trace = fam.putArray("anytime");
        cards.anytime().forEach(p -> Json.putNumber(trace.addObject().put("seconds", p.seconds()).put("model", p.model()),
            "score", p.score()));
        ArrayNode left = fam.putArray("not_trained");
        cards.notTrained().forEach(n -> left.addObject().put("model", n.name()).put("reason", n.reason()));
      }, () -> fam.put("missing", true));
    }
    return j;
  }

  private static String seconds(double s) {
    return s < 10 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%,.0f s", s);
  }
}
