"""The flights DAG run twice through real Airflow and spark-submit (conftest.flights_dag): a
failed branch fails the run and keeps what finished; the retry completes from there."""
import json

from conftest import RUN


def test_a_failed_branch_fails_the_dag_run_and_keeps_what_finished(flights_dag):
    assert flights_dag["failed"].returncode != 0
    assert flights_dag["finished_after_failure"] == {"ingest", "train-ml"}, "train-dl failed; the rest kept"
    assert "evaluate" not in flights_dag["started_after_failure"], "evaluate waits for both branches"


def test_the_retried_run_skips_finished_stages_and_completes_through_spark_submit(flights_dag):
    r = flights_dag["retried"]
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    out = r.stdout + r.stderr
    for stage in ["ingest", "train-ml"]:
        assert f"{stage}: run {RUN} already finished this stage, skipping" in out, stage
    assert "train-dl: mlp: 1 epochs" in out
    for stage in ["train-dl", "evaluate"]:
        assert (flights_dag["run"] / stage / "_SUCCESS").is_file(), stage
    report = json.loads((flights_dag["run"] / "evaluate" / "report.json").read_text())
    assert {m["model"] for m in report["leaderboard"]} == {"decision_tree", "dl:mlp"}
    assert report["recommendation"]["verdict"].startswith("Use ")
