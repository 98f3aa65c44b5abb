package dev.duet.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.config.EvaluateConfig.Metric;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.StringEscapeUtils;

/**
 * {@code report.html}: one self-contained page (inline CSS, charts as embedded PNG). Every string
 * that came from data or config goes through {@link #esc}.
 */
final class HtmlReport {
  private static final int MAX_CONFUSION_TABLE = 12;

  private HtmlReport() {}

  static String render(Report r) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>Duet report: ").append(esc(r.pipeline())).append(" / ").append(esc(r.runId())).append("</title>")
        .append("<style>").append(CSS).append("</style></head><body>\n");
    h.append("<header><h1>").append(esc(r.pipeline())).append(" <span class=\"run\">run ").append(esc(r.runId()))
        .append("</span></h1><p>").append(esc(r.task())).append(" of <code>").append(esc(r.label())).append("</code>")
        .append(r.classes() > 0 ? " (" + r.classes() + " classes)" : "").append(" &middot; ")
        .append(String.format(Locale.ROOT, "%,d", r.testRows())).append(" test rows &middot; models ranked by <b>")
        .append(esc(r.metric().key())).append("</b> &middot; evaluated ").append(esc(r.evaluatedAt())).append("</p></header>\n");

    h.append("<section class=\"verdict\"><h2>Recommendation</h2><p class=\"big\">").append(esc(r.recommendation().verdict()))
        .append("</p><ul>");
    r.recommendation().reasons().forEach(x -> h.append("<li>").append(esc(x)).append("</li>"));
    h.append("</ul><p class=\"bless ").append(r.blessing().blessed() ? "yes" : "no").append("\">")
        .append(r.blessing().blessed() ? "Blessed" : "Not blessed").append(": ").append(esc(r.blessing().reason()))
        .append("</p></section>\n");
    if (!r.missing().isEmpty()) {
      h.append("<section class=\"missing\"><h2>Missing branches</h2><ul>");
      r.missing().forEach(x -> h.append("<li>").append(esc(x)).append("</li>"));
      h.append("</ul></section>\n");
    }

    h.append("<section><h2>Classic ML vs deep learning</h2><table><tr><th></th><th>Best classic ML</th>")
        .append("<th>Best deep learning</th></tr>");
    for (String[] row : r.headToHead().rows()) {
      h.append("<tr><th>").append(esc(row[0])).append("</th><td>").append(esc(row[1])).append("</td><td>")
          .append(esc(row[2])).append("</td></tr>");
    }
    h.append("</table></section>\n");

    List<Metric> shown = r.classes() == 0 ? List.of(Metric.RMSE, Metric.MAE, Metric.R2)
        : r.classes() == 2 ? List.of(Metric.ROC_AUC, Metric.PR_AUC, Metric.ACCURACY, Metric.F1_MACRO, Metric.LOG_LOSS)
        : List.of(Metric.ACCURACY, Metric.F1_MACRO, Metric.LOG_LOSS);
    h.append("<section><h2>Leaderboard</h2><table><tr><th>#</th><th>model</th><th>family</th>");
    shown.forEach(m -> h.append("<th>").append(esc(m.key())).append("</th>"));
    h.append("<th>lift over no skill (").append(Math.round(Bootstrap.CONFIDENCE * 100))
        .append("% CI)</th><th>train s</th><th>CPU s</th><th>rows/s scored</th><th>size</th><th>interpretability</th></tr>");
    int rank = 1;
    for (Scored s : r.ranked()) {
      Candidate c = s.candidate();
      h.append("<tr><td>").append(rank++).append("</td><td><b>").append(esc(c.id())).append("</b></td><td>")
          .append(esc(c.card().family().title())).append("</td>");
      shown.forEach(m -> h.append("<td class=\"num\">").append(esc(Recommendation.fmt(s.score(m)))).append("</td>"));
      Bootstrap.Interval lift = r.significance().lifts().get(c.id());
      h.append("<td class=\"num").append(r.significance().learned(s) ? "" : " unlearned").append("\">")
          .append(esc(Recommendation.fmt(lift.estimate()))).append(" <small>(").append(esc(Recommendation.fmt(lift.low())))
          .append(" to ").append(esc(Recommendation.fmt(lift.high())))
          .append(")</small></td>");
      h.append(String.format(Locale.ROOT, "<td class=\"num\">%.1f</td><td class=\"num\">%.1f</td><td class=\"num\">%,.0f</td>"
              + "<td class=\"num\">%s</td>", c.card().trainSeconds(), c.card().trainCpuSeconds(), c.scoringRowsPerSecond(),
          bytes(c.card().modelBytes())))
          .append("<td>").append(esc(c.card().interpretability().name().toLowerCase(Locale.ROOT)))
          .append(c.card().topFeatures().isEmpty() ? "" : " <small>(" + esc(String.join(", ", c.card().topFeatures())) + ")</small>")
          .append("</td></tr>");
    }
    h.append("<tr class=\"baseline\"><td></td><td><b>").append(NoSkill.NAME).append("</b></td><td title=\"")
        .append(esc(r.significance().baselineDescription())).append("\">predicts the train split's ")
        .append(r.classes() == 0 ? "mean" : "class shares").append("</td>");
    shown.forEach(m -> h.append("<td class=\"num\">").append(esc(Recommendation.fmt(r.significance().baseline().get(m))))
        .append("</td>"));
    h.append("<td class=\"num\">0</td><td colspan=\"5\"></td></tr>");
    h.append("</table></section>\n");

    h.append("<section><h2>Charts</h2><div class=\"charts\">");
    for (Map.Entry<String, byte[]> chart : r.charts().entrySet()) {
      h.append("<figure><img alt=\"").append(esc(chart.getKey())).append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(chart.getValue())).append("\"><figcaption>")
          .append(esc(chart.getKey())).append("</figcaption></figure>");
    }
    h.append("</div></section>\n");

    if (r.classes() > 0) {
      h.append("<section><h2>Per model</h2>");
      for (Scored s : r.ranked()) {
        h.append("<details><summary>").append(esc(s.candidate().id())).append("</summary>");
        h.append("<table><tr><th>class</th><th>support</th><th>precision</th><th>recall</th><th>F1</th></tr>");
        for (JsonNode pc : s.metrics().json().path("per_class")) {
          h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"num\">%,d</td><td class=\"num\">%.4f</td>"
                  + "<td class=\"num\">%.4f</td><td class=\"num\">%.4f</td></tr>",
              esc(r.classNames().get(pc.path("class").asInt())),
              pc.path("support").asLong(), pc.path("precision").asDouble(), pc.path("recall").asDouble(),
              pc.path("f1").asDouble()));
        }
        h.append("</table>");
        long[][] m = s.metrics().confusion();
        if (m.length <= MAX_CONFUSION_TABLE) {
          h.append("<table class=\"cm\"><tr><th>true \\ predicted</th>");
          for (int p = 0; p < m.length; p++) {
            h.append("<th>").append(esc(r.classNames().get(p))).append("</th>");
          }
          h.append("</tr>");
          for (int t = 0; t < m.length; t++) {
            h.append("<tr><th>").append(esc(r.classNames().get(t))).append("</th>");
            for (long v : m[t]) {
              h.append(String.format(Locale.ROOT, "<td class=\"num\">%,d</td>", v));
            }
            h.append("</tr>");
          }
          h.append("</table>");
        }
        h.append("</details>");
      }
      h.append("</section>\n");
    }

    if (!r.history().isEmpty()) {
      h.append("<section><h2>Runs of this pipeline</h2><table><tr><th>run</th><th>evaluated</th><th>best model</th>")
          .append("<th>metric</th><th>score</th><th>blessed</th></tr>");
      for (JsonNode e : r.history()) {
        h.append("<tr><td>").append(esc(e.path("run_id").asText())).append("</td><td>")
            .append(esc(e.path("evaluated_at").asText())).append("</td><td>").append(esc(e.path("best_model").asText()))
            .append("</td><td>").append(esc(e.path("metric").asText())).append("</td><td class=\"num\">")
            .append(esc(Recommendation.fmt(e.path("best_score").asDouble(Double.NaN)))).append("</td><td>")
            .append(e.path("blessed").asBoolean() ? "yes" : "no").append("</td></tr>");
      }
      h.append("</table></section>\n");
    }
    h.append("<footer>Duet ").append(esc(r.version())).append(" &middot; metrics.json, report.json, blessing.json and")
        .append(" manifest.json sit beside this page.</footer></body></html>\n");
    return h.toString();
  }

  /**
   * HTML-escapes text (Commons Text) for element content and attributes; every attribute here is
   * double-quoted, so the single quote escapeHtml4 leaves alone cannot end one.
   */
  static String esc(String s) {
    return s == null ? "" : StringEscapeUtils.escapeHtml4(s);
  }

  private static String bytes(long n) {
    return n >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", n / 1048576.0)
        : String.format(Locale.ROOT, "%.0f kB", n / 1024.0);
  }

  private static final String CSS = """
      body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1180px;padding:0 24px 40px;color:#1d2430}
      header{border-bottom:2px solid #e3e7ee;margin-bottom:12px} h1{margin:18px 0 4px} .run{color:#6b7585;font-weight:400;font-size:.7em}
      h2{font-size:1.15em;margin:24px 0 8px} table{border-collapse:collapse;width:100%;font-size:14px}
      th,td{border-bottom:1px solid #e3e7ee;padding:5px 8px;text-align:left;vertical-align:top} th{background:#f6f8fb}
      td.num{text-align:right;font-variant-numeric:tabular-nums} code{background:#f1f3f7;padding:1px 4px;border-radius:3px}
      .verdict{background:#eef6ff;border:1px solid #bcd8f6;border-radius:8px;padding:4px 18px 10px}
      .big{font-size:1.2em;font-weight:600} .bless.yes{color:#1d7a36} .bless.no{color:#a1361e}
      .missing{background:#fff6e8;border:1px solid #f1cf8f;border-radius:8px;padding:2px 18px}
      .charts{display:flex;flex-wrap:wrap;gap:12px} figure{margin:0} figure img{max-width:100%;border:1px solid #e3e7ee}
      figcaption{font-size:13px;color:#6b7585} details{margin:6px 0} summary{cursor:pointer;font-weight:600}
      table.cm{width:auto} tr.baseline td{color:#6b7585;font-style:italic} td.unlearned{color:#a1361e} footer{margin-top:30px;color:#6b7585;font-size:13px}
      """;
}
