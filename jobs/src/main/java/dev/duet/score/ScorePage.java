package dev.duet.score;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.StringEscapeUtils;

/**
 * {@code report.html} of a scoring run: which model scored which rows, the row accounting, the
 * drift table and, for each flagged column, its histogram beside the reference's (inline SVG:
 * the page is one self-contained file). Every string from data or config is escaped.
 */
final class ScorePage {
  private static final int BAR_WIDTH = 520;

  private ScorePage() {}

  static String render(String pipeline, String runId, String model, String input, JsonNode rows, long predicted,
      JsonNode drift) {
    StringBuilder h = new StringBuilder("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(pipeline)).append(" score ").append(esc(runId)).append("</title><style>").append(CSS)
        .append("</style></head><body>\n<h1>").append(esc(pipeline)).append(" &middot; score ").append(esc(runId))
        .append("</h1>\n<p>Model <b>").append(esc(model)).append("</b> on <code>").append(esc(input)).append("</code>: ")
        .append(String.format(Locale.ROOT, "%,d", rows.path("read").asLong())).append(" rows read, ")
        .append(String.format(Locale.ROOT, "%,d", predicted)).append(" predicted, ")
        .append(String.format(Locale.ROOT, "%,d", rows.path("quarantined").asLong())).append(" quarantined, ")
        .append(String.format(Locale.ROOT, "%,d", rows.path("dropped").asLong())).append(" dropped by the training run's rules.</p>\n");
    int flagged = drift.path("flagged").size();
    h.append("<p class=\"").append(flagged > 0 ? "bad" : "ok").append("\">")
        .append(flagged > 0 ? "Drift flagged in " + flagged + ": " + esc(join(drift.path("flagged")))
            : "No drift flagged").append(" (against ").append(esc(drift.path("reference").asText())).append(").</p>\n");
    h.append("<table><tr><th>column</th><th>kind</th><th>PSI</th><th>KS</th><th>null rate change</th>"
        + "<th>unseen categories</th><th>unseen rate</th><th>flagged</th></tr>\n");
    drift.path("columns").fields().forEachRemaining(e -> row(h, e.getKey(), e.getValue()));
    if (drift.path("prediction").isObject()) {
      row(h, "(prediction)", drift.path("prediction"));
    }
    h.append("</table>\n");
    JsonNode t = drift.path("thresholds");
    h.append("<p class=\"note\">Flagged when PSI &gt; ").append(t.path("psi").asDouble()).append(", KS &gt; ")
        .append(t.path("ks").asDouble()).append(", the null rate moves by more than ").append(t.path("null_rate_change")
            .asDouble()).append(" or more than ").append(t.path("unseen_rate").asDouble())
        .append(" of the rows hold a category the reference never had.</p>\n");
    if (drift.path("not_compared").size() > 0) {
      h.append("<p class=\"note\">Not compared: ");
      Iterator<Map.Entry<String, JsonNode>> it = drift.path("not_compared").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        h.append("<code>").append(esc(e.getKey())).append("</code> (").append(esc(e.getValue().asText())).append(")")
            .append(it.hasNext() ? ", " : ".");
      }
      h.append("</p>\n");
    }
    drift.path("columns").fields().forEachRemaining(e -> {
      if (e.getValue().path("flagged").asBoolean()) {
        histogram(h, e.getKey(), e.getValue().path("histogram"));
      }
    });
    if (drift.path("prediction").path("flagged").asBoolean()) {
      histogram(h, "(prediction)", drift.path("prediction").path("histogram"));
    }
    return h.append("</body></html>\n").toString();
  }

  private static void row(StringBuilder h, String name, JsonNode c) {
    boolean flagged = c.path("flagged").asBoolean();
    h.append("<tr").append(flagged ? " class=\"flag\"" : "").append("><td>").append(esc(name)).append("</td><td>")
        .append(esc(c.path("kind").asText())).append("</td><td>").append(num(c.path("psi"))).append("</td><td>")
        .append(num(c.path("ks"))).append("</td><td>").append(num(c.path("null_rate_change"))).append("</td><td>")
        .append(c.has("unseen_categories") ? String.valueOf(c.path("unseen_categories").asLong()) : "")
        .append("</td><td>").append(num(c.path("unseen_rate"))).append("</td><td>")
        .append(flagged ? "yes: " + esc(join(c.path("over_threshold"))) : "no").append("</td></tr>\n");
  }

  /** Two bars per bin, the reference's share and the new rows' share. */
  private static void histogram(StringBuilder h, String name, JsonNode hist) {
    int bins = hist.path("bins").size();
    double top = 1e-9;
    for (int i = 0; i < bins; i++) {
      top = Math.max(top, Math.max(hist.path("reference").path(i).asDouble(), hist.path("current").path(i).asDouble()));
    }
    int rowHeight = 22;
    h.append("<h2>").append(esc(name)).append("</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(BAR_WIDTH + 240).append("\" height=\"").append(bins * rowHeight + 30).append("\">")
        .append("<rect x=\"230\" y=\"4\" width=\"12\" height=\"8\" class=\"ref\"/><text x=\"246\" y=\"12\">reference</text>")
        .append("<rect x=\"330\" y=\"4\" width=\"12\" height=\"8\" class=\"cur\"/><text x=\"346\" y=\"12\">scored rows</text>");
    for (int i = 0; i < bins; i++) {
      double r = hist.path("reference").path(i).asDouble();
      double c = hist.path("current").path(i).asDouble();
      int y = 24 + i * rowHeight;
      h.append("<text x=\"222\" y=\"").append(y + 13).append("\" text-anchor=\"end\">")
          .append(esc(hist.path("bins").path(i).asText())).append("</text>")
          .append(bar(230, y, r / top, "ref")).append(bar(230, y + 9, c / top, "cur"))
          .append("<text x=\"").append(236 + Math.round(BAR_WIDTH * Math.max(r, c) / top)).append("\" y=\"")
          .append(y + 13).append("\">").append(String.format(Locale.ROOT, "%.1f%% / %.1f%%", 100 * r, 100 * c))
          .append("</text>");
    }
    h.append("</svg>\n");
  }

  private static String bar(int x, int y, double fraction, String cls) {
    return "<rect x=\"" + x + "\" y=\"" + y + "\" width=\"" + Math.max(1, Math.round(BAR_WIDTH * fraction))
        + "\" height=\"8\" class=\"" + cls + "\"/>";
  }

  private static String num(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.4f", v.asDouble()) : "";
  }

  private static String join(JsonNode array) {
    StringBuilder s = new StringBuilder();
    array.forEach(v -> s.append(s.length() == 0 ? "" : ", ").append(v.asText()));
    return s.toString();
  }

  private static String esc(String s) {
    return s == null ? "" : StringEscapeUtils.escapeHtml4(s);
  }

  private static final String CSS = """
      body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:0 24px 40px;color:#1d2430}
      table{border-collapse:collapse;width:100%;font-size:14px} th,td{border-bottom:1px solid #e3e7ee;padding:4px 8px;text-align:left}
      tr.flag td{background:#fdecea} .bad{color:#a4262c;font-weight:600} .ok{color:#1e7b34;font-weight:600} .note{color:#6b7585;font-size:13px}
      svg text{font-size:12px;fill:#1d2430} rect.ref{fill:#9aa5b8} rect.cur{fill:#d9822b}
      """;
}
