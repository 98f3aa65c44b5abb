"""The flights DAG run for real: `airflow dags test` (SQLite, tasks in-process), each task a real
spark-submit of the shaded jar on local[2] through deploy/spark-home, on one flight in 100 of the
real 3M (conftest.flights_slice: 30k, enough for the wiring and a drift check that flags nothing
on an undrifted day) at test-sized training settings. Needs `mvn package` first (the README's
test command runs this after it)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, flights_slice

AIRFLOW = str(Path(sys.executable).parent / "airflow")
RUN = "af-flights"
SMALL = """
train_ml:
  features: {categorical: [origin, destination], numeric: [distance], datetime: {date: [hour, weekday]}}
  algorithms: {decision_tree: {maxDepth: [5]}, linear: {maxIter: [5]}}
train_dl:
  features: {numeric: [distance, hour, weekday], categorical: [origin, destination]}
  hidden: [16]
  epochs: 1
  batch_size: 256
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("dag-run")
    conf = work / "conf"
    conf.mkdir()
    shipped = (ROOT / "conf" / "flights.yaml").read_text()
    text = shipped[: shipped.index("\ntrain_ml:") + 1].replace("path: data/flights-3m.parquet",
                                                              f"path: {flights_slice()}") + SMALL
    (conf / "flights.yaml").write_text(text)
    e = dict(os.environ)
    e.update({
        "DUET_CONF_DIR": str(conf),
        "DUET_STORE": str(work / "store"),
        "DUET_DL_PROFILE": "cpu",  # no GPU here: the same stage on the CPU backend
        "DUET_RETRIES": "0",
        "AIRFLOW_CONN_SPARK_DEFAULT": '{"conn_type": "spark", "host": "local[2]"}',
        "SPARK_SUBMIT_JAVA_OPTS": "-Xmx3g -XX:+UseParallelGC",  # as the Java tests' JVMs (pom.xml argLine)
    })
    assert (ROOT / "jobs" / "target" / "duet-jobs-all.jar").is_file(), "run mvn -DskipTests package first"
    subprocess.run([AIRFLOW, "db", "migrate"], env=e, check=True, capture_output=True)
    return {"env": e, "run": work / "store" / "flights" / RUN}


def dags_test(env, **extra_env):
    return subprocess.run([AIRFLOW, "dags", "test", "-c", json.dumps({"duet_run_id": RUN}), "duet_flights"],
                          env={**env["env"], **extra_env}, capture_output=True, text=True, timeout=1800)


def test_a_failed_branch_fails_the_dag_run_and_keeps_what_finished(env):
    r = dags_test(env, DUET_CUDA_JAR="/nonexistent/duet-jobs-all-cuda.jar")
    assert r.returncode != 0
    assert (env["run"] / "ingest" / "_SUCCESS").is_file()
    assert (env["run"] / "train-ml" / "_SUCCESS").is_file()
    assert not (env["run"] / "train-dl" / "_SUCCESS").exists()
    assert not (env["run"] / "evaluate").exists(), "evaluate waits for both branches"


def test_the_retried_run_skips_finished_stages_and_completes_through_spark_submit(env):
    r = dags_test(env)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    out = r.stdout + r.stderr
    for stage in ["ingest", "train-ml"]:
        assert f"{stage}: run {RUN} already finished this stage, skipping" in out, stage
    assert "train-dl: mlp: 1 epochs" in out
    for stage in ["train-dl", "evaluate"]:
        assert (env["run"] / stage / "_SUCCESS").is_file(), stage
    report = json.loads((env["run"] / "evaluate" / "report.json").read_text())
    assert {m["model"] for m in report["leaderboard"]} == {"decision_tree", "linear", "dl:mlp"}
    assert report["recommendation"]["verdict"].startswith("Use ")


def test_the_score_dag_scores_the_logical_dates_rows_with_the_blessed_model(env):
    """After the training DAG's run is evaluated and blessed: the day's rows (the files of the clean
    test split, dropped where DUET_SCORE_INPUT points for that date) scored through spark-submit.
    All of them: one file of the date-ordered input holds a few months only, and its month drifts."""
    day = env["run"].parent.parent.parent / "incoming" / "flights" / "2026-12-01"
    day.mkdir(parents=True)
    for part in (env["run"] / "ingest" / "clean" / "split=test").glob("part-*.parquet"):
        shutil.copy(part, day / part.name)
    incoming = str(env["run"].parent.parent.parent / "incoming" / "{pipeline}" / "{{ ds }}")
    r = subprocess.run([AIRFLOW, "dags", "test", "duet_flights_score", "2026-12-01"],
                       env={**env["env"], "DUET_SCORE_INPUT": incoming}, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    runs = list((env["run"].parent / "score").glob("*/_SUCCESS"))
    assert len(runs) == 1, runs
    out = runs[0].parent
    blessed = json.loads((env["run"] / "evaluate" / "blessing.json").read_text())["best_model"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["lineage"]["model"] == f"{RUN}/{blessed}"
    test_split = json.loads((env["run"] / "ingest" / "quality.json").read_text())["split"]["test"]
    assert manifest["inputs"][0]["rows"] == manifest["outputs"][0]["rows"] == test_split
    drift = json.loads((out / "drift.json").read_text())
    assert drift["flagged"] == [], drift["flagged"]
    assert (out / "report.html").is_file()
