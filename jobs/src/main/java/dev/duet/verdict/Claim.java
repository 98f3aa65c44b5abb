package dev.duet.verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One claim of the usual ML-vs-DL table, and what the store's runs say of it: each pipeline that
 * can tell supports or contradicts it, with its numbers; the claim is supported when some
 * pipelines support it and none contradict it, contradicted the other way round, and otherwise
 * (mixed, or nothing measured) the runs cannot say.
 *
 * @param test how a pipeline is judged, in words (the page shows it beside the claim)
 */
record Claim(String key, String statement, String test, Finding finding, List<String> evidence) {

  enum Finding {
    SUPPORTED, CONTRADICTED, CANNOT_SAY;

    String label() {
      return switch (this) {
        case SUPPORTED -> "supported";
        case CONTRADICTED -> "contradicted";
        case CANNOT_SAY -> "cannot say";
      };
    }
  }

  /** What one pipeline says: for, against, or nothing (null), and why. */
  record Evidence(Boolean supports, String because) {
    static Evidence none(String because) {
      return new Evidence(null, because);
    }
  }

  static Claim judge(String key, String statement, String test, List<PipelineRow> rows,
      Function<PipelineRow, Evidence> judge) {
    int support = 0;
    int contradict = 0;
    List<String> evidence = new ArrayList<>();
    for (PipelineRow r : rows) {
      Evidence e = judge.apply(r);
      if (e.supports() != null) {
        support += e.supports() ? 1 : 0;
        contradict += e.supports() ? 0 : 1;
      }
      String verb = e.supports() == null ? "cannot say" : e.supports() ? "supports" : "contradicts";
      evidence.add(String.format(Locale.ROOT, "%s (%s): %s: %s", r.pipeline(), r.kind(), verb, e.because()));
    }
    Finding f = support > 0 && contradict == 0 ? Finding.SUPPORTED
        : contradict > 0 && support == 0 ? Finding.CONTRADICTED : Finding.CANNOT_SAY;
    return new Claim(key, statement, test, f, List.copyOf(evidence));
  }
}
