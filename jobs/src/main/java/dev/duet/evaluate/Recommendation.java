package dev.duet.evaluate;

import dev.duet.config.EvaluateConfig;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.EvaluateConfig.Need;
import dev.duet.contracts.ModelCard.Family;
import dev.duet.contracts.ModelCard.Interpretability;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which family to use for this data, in plain words, derived from this run's measurements of the
 * best classic model and the best network and from the config's stated needs (interpretability,
 * training-time budget, what counts as a tie).
 *
 * Only a model that learned something (see {@link Significance}) is recommended.
 *
 * @param choice  the model recommended (empty: no model learned anything useful)
 * @param verdict one sentence: what to use
 * @param reasons the measurements and needs behind it
 */
record Recommendation(Optional<Scored> choice, String verdict, List<String> reasons) {

  static Recommendation of(Optional<Scored> classic, Optional<Scored> deep, Metric m, EvaluateConfig needs,
      Significance skill) {
    List<String> reasons = new ArrayList<>();
    reasons.add("No-skill baseline (" + skill.baselineDescription() + "): " + m.key() + " "
        + fmt(skill.baseline().get(m)) + " on the same test rows; " + java.util.stream.Stream.of(classic, deep)
        .flatMap(Optional::stream).map(s -> name(s) + " " + skill.lift(s)).collect(java.util.stream.Collectors.joining(
            ", ")) + ".");
    List<Scored> learned = java.util.stream.Stream.of(classic, deep).flatMap(Optional::stream).filter(skill::learned)
        .toList();
    if (learned.isEmpty()) {
      return new Recommendation(Optional.empty(), "No model learned anything useful: none beats the no-skill baseline"
          + " beyond chance" + (needs.minLift() > 0 ? " and by evaluate.min_lift " + fmt(needs.minLift()) : "")
          + ". Check the label and the features before trusting any of them.", reasons);
    }
    if (classic.isEmpty() || deep.isEmpty()) {
      Scored only = classic.or(() -> deep).orElseThrow();
      reasons.add("Only the " + only.candidate().card().family().title() + " branch has finished models in this run,"
          + " so there is no head-to-head: train the other branch to compare.");
      return use(only, "Use " + name(only) + ": the best " + only.candidate().card().family().title()
          + " model, " + m.key() + " " + fmt(only.score(m)) + ".", reasons);
    }
    Scored c = classic.get();
    Scored d = deep.get();
    if (learned.size() == 1) {
      Scored pick = learned.get(0);
      Scored other = pick == c ? d : c;
      return use(pick, "Use " + name(pick) + " (" + pick.candidate().card().family().title() + "): the best "
          + other.candidate().card().family().title() + " model, " + name(other) + ", does not beat the no-skill"
          + " baseline beyond chance.", reasons);
    }
    double gap = m.higherIsBetter() ? d.score(m) - c.score(m) : c.score(m) - d.score(m); // > 0: the network is better
    Bootstrap.Interval gapInterval = skill.deepOverClassic().orElseThrow();
    String gapText = String.format(Locale.ROOT, "%s %s vs %s (%s %s; network minus classic %s)", m.key(),
        fmt(d.score(m)), fmt(c.score(m)), gap >= 0 ? "network ahead by" : "classic ahead by", fmt(Math.abs(gap)),
        Significance.interval(gapInterval));
    reasons.add("Performance on the same test rows: " + name(d) + " vs " + name(c) + ", " + gapText + ".");
    reasons.add(String.format(Locale.ROOT, "Training: %s took %.1f s (%.1f executor CPU s%s), %s %.1f s (%.1f CPU s).",
        name(d), d.candidate().card().trainSeconds(), d.candidate().card().trainCpuSeconds(),
        d.candidate().card().gpus() > 0 ? ", " + d.candidate().card().gpus() + " GPU(s)" : "", name(c), c.candidate().card().trainSeconds(),
        c.candidate().card().trainCpuSeconds()));
    reasons.add("Interpretability: " + name(c) + ": " + c.candidate().card().interpretabilityNote() + "; " + name(d) + ": "
        + d.candidate().card().interpretabilityNote() + ".");

    Optional<Double> budget = needs.maxTrainingSeconds();
    boolean deepOverBudget = budget.map(b -> d.candidate().card().trainSeconds() > b).orElse(false);
    boolean classicOverBudget = budget.map(b -> c.candidate().card().trainSeconds() > b).orElse(false);
    budget.ifPresent(b -> reasons.add(String.format(Locale.ROOT, "Training-time budget %.0f s: %s %s, %s %s.", b,
        name(c), classicOverBudget ? "over" : "within", name(d), deepOverBudget ? "over" : "within")));

    if (needs.interpretability() == Need.REQUIRED && c.candidate().card().interpretability() != Interpretability.LOW) {
      reasons.add("The config requires interpretability, which the network cannot offer.");
      return use(c, "Use " + name(c) + " (classic ML): interpretability is required and it"
          + (gap > 0 ? " costs " + fmt(gap) + " " + m.key() + " against the network." : " also scores at least as well."),
          reasons);
    }
    if (deepOverBudget && !classicOverBudget) {
      return use(c, "Use " + name(c) + " (classic ML): the network's training time is over the budget.",
          reasons);
    }
    if (classicOverBudget && !deepOverBudget) {
      return use(d, "Use " + name(d) + " (deep learning): the classic model's training time is over"
          + " the budget.", reasons);
    }
    if (skill.winner(c, d, needs.tieMargin()).equals("tie")) {
      reasons.add(gapInterval.containsZero() && Math.abs(gap) > needs.tieMargin()
          ? "The gap's interval holds zero: the difference could be chance, so cost and explainability decide."
          : "The gap is within the tie margin (" + fmt(needs.tieMargin()) + "), so cost and explainability decide.");
      Scored cheaper = c.candidate().card().trainCpuSeconds() <= d.candidate().card().trainCpuSeconds() ? c : d;
      Scored pick = needs.interpretability() == Need.NONE ? cheaper : c;
      return use(pick, "Use " + name(pick) + " (" + pick.candidate().card().family().title() + "): the two"
          + " families score the same here" + (pick == c && needs.interpretability() != Need.NONE
          ? ", and the classic model explains itself." : ", and it is the cheaper to train."), reasons);
    }
    if (gap > 0) {
      String caveat = needs.interpretability() == Need.PREFERRED
          ? " It cannot explain its predictions; if that matters, " + name(c) + " costs " + fmt(gap) + " " + m.key() + "."
          : "";
      return use(d, "Use " + name(d) + " (deep learning): it beats the best classic model by "
          + fmt(gap) + " " + m.key() + "." + caveat, reasons);
    }
    return use(c, "Use " + name(c) + " (classic ML): it beats the network by " + fmt(-gap) + " "
        + m.key() + (c.candidate().card().trainSeconds() <= d.candidate().card().trainSeconds() ? ", trains faster" : "")
        + (c.candidate().card().interpretability() != Interpretability.LOW ? " and can be explained." : "."), reasons);
  }

  private static Recommendation use(Scored choice, String verdict, List<String> reasons) {
    return new Recommendation(Optional.of(choice), verdict, reasons);
  }

  static String name(Scored s) {
    return s.candidate().card().family() == Family.DEEP ? s.candidate().card().name().toUpperCase(Locale.ROOT) : s.candidate().card().name();
  }

  static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }
}
