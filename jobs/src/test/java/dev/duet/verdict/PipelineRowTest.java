package dev.duet.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pipeline's row as the verdict reads it from evaluate's report.json. */
class PipelineRowTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aPipelineWhereNoModelBeatTheNoSkillBaselineIsUndecidedAndJudgesNoClaimOnScores() throws Exception {
    PipelineRow row = PipelineRow.of("names", report("undecided", 0.53, 0.51));
    assertThat(row.winner()).isEqualTo("undecided");
    for (Claim c : VerdictJob.claims(List.of(row))) {
      if (List.of("feature_engineering", "tabular", "unstructured").contains(c.key())) {
        assertThat(c.finding()).as(c.key()).isEqualTo(Claim.Finding.CANNOT_SAY);
      }
    }
  }

  @Test
  void evaluatesWinnerIsTheVerdictsAndAnOlderReportFallsBackOnTheTieMargin() throws Exception {
    assertThat(PipelineRow.of("p", report("tie", 0.90, 0.80)).winner()).as("the gap's interval held zero")
        .isEqualTo("tie");
    assertThat(PipelineRow.of("p", report(null, 0.90, 0.80)).winner()).isEqualTo("classic");
    assertThat(PipelineRow.of("p", report(null, 0.801, 0.80)).winner()).isEqualTo("tie");
  }

  private static JsonNode report(String winner, double classic, double deep) throws Exception {
    return JSON.readTree("""
        {"run_id": "r", "metric": "roc_auc", "tie_margin": 0.005, "data_kind": "text", "test_rows": 100,
         %s
         "leaderboard": [
           {"model": "linear", "family": "classic ML", "score": %s, "train_rows": 400, "interpretability": "high"},
           {"model": "dl:lstm", "family": "deep learning", "score": %s, "train_rows": 400, "interpretability": "low"}]}
        """.formatted(winner == null ? "" : "\"winner\": \"" + winner + "\",", classic, deep));
  }
}
