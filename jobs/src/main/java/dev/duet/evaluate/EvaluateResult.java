package dev.duet.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What the evaluate stage produced: the report, and the run's lineage for the manifest. */
public record EvaluateResult(Report report, ObjectNode lineage) {
  public String bestModel() {
    return report.best().candidate().id();
  }

  public String verdict() {
    return report.recommendation().verdict();
  }

  public boolean blessed() {
    return report.blessing().blessed();
  }

  public int models() {
    return report.ranked().size();
  }

  public String metricSummary() {
    return report.metric().key() + " " + Recommendation.fmt(report.best().score(report.metric()));
  }
}
