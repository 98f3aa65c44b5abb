"""The score DAG run for real (`airflow dags test` of duet_flights_score, its task a spark-submit)
on the blessed model of the flights DAG's run (conftest.flights_dag)."""
import json
import shutil
import subprocess

from conftest import AIRFLOW, RUN


def test_the_score_dag_scores_the_logical_dates_rows_with_the_blessed_model(flights_dag):
    """The day's rows (the files of the clean test split, dropped where DUET_SCORE_INPUT points for
    that date) scored through spark-submit. All of them: one file of the date-ordered input holds a
    few months only, and its month drifts."""
    assert flights_dag["retried"].returncode == 0, "the training run must have completed"
    run = flights_dag["run"]
    day = run.parent.parent.parent / "incoming" / "flights" / "2026-12-01"
    day.mkdir(parents=True)
    for part in (run / "ingest" / "clean" / "split=test").glob("part-*.parquet"):
        shutil.copy(part, day / part.name)
    incoming = str(run.parent.parent.parent / "incoming" / "{pipeline}" / "{{ ds }}")
    r = subprocess.run([AIRFLOW, "dags", "test", "duet_flights_score", "2026-12-01"],
                       env={**flights_dag["env"], "DUET_SCORE_INPUT": incoming}, capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    runs = list((run.parent / "score").glob("*/_SUCCESS"))
    assert len(runs) == 1, runs
    out = runs[0].parent
    blessed = json.loads((run / "evaluate" / "blessing.json").read_text())["best_model"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["lineage"]["model"] == f"{RUN}/{blessed}"
    test_split = json.loads((run / "ingest" / "quality.json").read_text())["split"]["test"]
    assert manifest["inputs"][0]["rows"] == manifest["outputs"][0]["rows"] == test_split
    drift = json.loads((out / "drift.json").read_text())
    assert drift["flagged"] == [], drift["flagged"]
    assert (out / "report.html").is_file()
