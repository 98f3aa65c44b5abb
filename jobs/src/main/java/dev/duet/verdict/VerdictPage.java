package dev.duet.verdict;

import dev.duet.verdict.PipelineRow.Best;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.commons.text.StringEscapeUtils;

/**
 * The verdict as one self-contained HTML page (no scripts, no external resources): a row per
 * pipeline, then each claim with its finding and the numbers behind it. Every string from the
 * store (pipeline names, model names, run ids) is escaped.
 */
final class VerdictPage {
  private VerdictPage() {}

  static String render(List<PipelineRow> rows, List<Claim> claims, String at) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Duet verdict across pipelines"
        + "</title><style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        + ".supported{color:#060}.contradicted{color:#a00}.cannot{color:#666}</style></head><body>\n");
    h.append("<h1>Classic ML or deep learning: the verdict across pipelines</h1>\n<p>")
        .append(rows.size()).append(" pipeline(s), each its latest evaluated run; made ").append(esc(at))
        .append(".</p>\n<h2>Pipelines</h2>\n<table><tr><th>pipeline</th><th>run</th><th>data</th><th>rows (train / test)"
            + "</th><th>metric</th><th>best classic</th><th>best network</th><th>gap (classic ahead)</th>"
            + "<th>training time network / classic</th><th>compute network / classic</th><th>interpretability"
            + "</th><th>learning curves</th></tr>\n");
    for (PipelineRow r : rows) {
      h.append("<tr><td>").append(esc(r.pipeline())).append("</td><td>").append(esc(r.runId())).append("</td><td>")
          .append(esc(r.kind())).append("</td><td>").append(String.format(Locale.ROOT, "%,d / %,d", r.trainRows(),
              r.testRows())).append("</td><td>").append(esc(r.metric().key())).append("</td><td>")
          .append(best(r.classic().orElse(null))).append("</td><td>").append(best(r.deep().orElse(null)))
          .append("</td>");
      if (r.hasBoth()) {
        Best c = r.classic().get();
        Best d = r.deep().get();
        h.append("<td>").append(String.format(Locale.ROOT, "%+.4f (%s)", r.gap(), esc(r.winner()))).append("</td><td>×")
            .append(VerdictJob.ratio(d.trainSeconds(), c.trainSeconds())).append("</td><td>×")
            .append(VerdictJob.ratio(d.cpuSeconds(), c.cpuSeconds())).append(d.gpus() > 0 ? " (+GPU)" : "")
            .append("</td><td>classic ").append(esc(c.interpretability())).append(", network ")
            .append(esc(d.interpretability())).append("</td><td>").append(esc(r.crossover())).append("</td>");
      } else {
        h.append("<td colspan=\"5\">one family only: nothing to compare</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n<h2>Test score against training time, by family</h2>\n<div>");
    for (PipelineRow r : rows.stream().filter(x -> x.models().stream().anyMatch(m -> !Double.isNaN(m.score())))
        .toList()) {
      h.append("<figure style=\"display:inline-block\"><img alt=\"").append(esc(r.pipeline()))
          .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(
              ScoreVersusTime.png(r))).append("\"><figcaption>").append(esc(r.pipeline()))
          .append(r.equalBudget().map(b -> String.format(Locale.ROOT, ": both families within %.0f s", b)).orElse(""))
          .append("</figcaption></figure>");
    }
    h.append("</div>\n<h2>The usual claims, on these runs</h2>\n<table><tr><th>claim</th><th>finding</th>"
        + "<th>how a pipeline is judged</th><th>the numbers</th></tr>\n");
    for (Claim c : claims) {
      String css = c.finding() == Claim.Finding.CANNOT_SAY ? "cannot" : c.finding().label();
      h.append("<tr><td>").append(esc(c.statement())).append("</td><td class=\"").append(css).append("\"><b>")
          .append(esc(c.finding().label())).append("</b></td><td>").append(esc(c.test())).append("</td><td><ul>");
      c.evidence().forEach(e -> h.append("<li>").append(esc(e)).append("</li>"));
      h.append("</ul></td></tr>\n");
    }
    h.append("</table>\n<p>A claim is supported when at least one pipeline supports it and none contradicts it,"
        + " contradicted the other way round; mixed findings, or none, cannot say.</p>\n</body></html>\n");
    return h.toString();
  }

  private static String best(Best b) {
    return b == null ? "none" : esc(b.model()) + String.format(Locale.ROOT, " %.4f", b.score());
  }

  private static String esc(String s) {
    return StringEscapeUtils.escapeHtml4(s);
  }
}
