"""A throw-away Airflow home per test session (SQLite), set before Airflow is imported."""
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_HOME = Path(tempfile.mkdtemp(prefix="duet-airflow-"))

os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "pipelines")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"

import sys  # noqa: E402

import pytest  # noqa: E402

sys.path.insert(0, str(ROOT / "pipelines"))  # duet_dags, as the DAG processor imports it

AIRFLOW = str(Path(sys.executable).parent / "airflow")
RUN = "af-flights"
STAGES = ["ingest", "train-ml", "train-dl", "evaluate"]
# The wiring, not the models: one tree and one small network, each family once.
SMALL = """
train_ml:
  features: {categorical: [origin, destination], numeric: [distance], datetime: {date: [hour, weekday]}}
  algorithms: {decision_tree: {maxDepth: [5]}}
train_dl:
  features: {numeric: [distance, hour, weekday], categorical: [origin, destination]}
  hidden: [16]
  epochs: 1
  batch_size: 256
"""


def flights_slice(every=100):
    """One flight in `every` of the fetched data/flights-3m.parquet (every k-th row of the date-ordered
    file, so every month keeps its share), written once under target/test-data: the DAG tests check
    the wiring, not how good the models get on 3M rows."""
    import pyarrow.parquet as pq

    out = ROOT / "target" / "test-data" / f"flights-every-{every}th.parquet"
    if not out.is_file():
        full = ROOT / "data" / "flights-3m.parquet"
        assert full.is_file(), "run deploy/fetch-sample-data.sh first (the README's test command does)"
        table = pq.read_table(full)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        pq.write_table(table.take(list(range(0, table.num_rows, every))), tmp)
        tmp.replace(out)
    return out


@pytest.fixture(scope="session")
def flights_dag(tmp_path_factory):
    """The flights DAG run for real: `airflow dags test` (SQLite, tasks in-process), each task a real
    spark-submit of the shaded jar on local[2] through deploy/spark-home, on one flight in 100 of the
    real 3M (flights_slice: 30k, enough for the wiring and a drift check that flags nothing on an
    undrifted day) at test-sized training settings. Twice, as an operator would: first with
    train_dl failing (its CUDA jar missing), then retried. Holds both runs' outcomes and which
    stages had finished after the first; the score DAG's tests start from the blessed second run.
    Needs `mvn package` first (the README's test command runs pytest after it)."""
    work = tmp_path_factory.mktemp("dag-run")
    conf = work / "conf"
    conf.mkdir()
    shipped = (ROOT / "conf" / "flights.yaml").read_text()
    # Without the first run's budget: the test-sized sections below say what they train.
    text = re.sub(r"\nbudget: [^\n]*", "", shipped[: shipped.index("\ntrain_ml:") + 1]).replace(
        "path: data/flights-3m.parquet", f"path: {flights_slice()}") + SMALL
    (conf / "flights.yaml").write_text(text)
    env = dict(os.environ)
    env.update({
        "DUET_CONF_DIR": str(conf),
        "DUET_STORE": str(work / "store"),
        "DUET_DL_PROFILE": "cpu",  # no GPU here: the same stage on the CPU backend
        "DUET_RETRIES": "0",
        "AIRFLOW_CONN_SPARK_DEFAULT": '{"conn_type": "spark", "host": "local[2]"}',
        # As the JVMs the Java tests start (jobs/.../testing/TestJvm.SHORT_STAGE): a stage on
        # test-sized data does not pay back C2's compilations.
        "SPARK_SUBMIT_JAVA_OPTS": "-Xmx3g -XX:+UseParallelGC -XX:TieredStopAtLevel=1",
    })
    assert (ROOT / "jobs" / "target" / "duet-jobs-all.jar").is_file(), "run mvn -DskipTests package first"
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    run = work / "store" / "flights" / RUN

    def dags_test(**extra_env):
        return subprocess.run([AIRFLOW, "dags", "test", "-c", json.dumps({"duet_run_id": RUN}), "duet_flights"],
                              env={**env, **extra_env}, capture_output=True, text=True, timeout=1800)

    failed = dags_test(DUET_CUDA_JAR="/nonexistent/duet-jobs-all-cuda.jar")
    finished_after_failure = {stage for stage in STAGES if (run / stage / "_SUCCESS").is_file()}
    started_after_failure = {stage for stage in STAGES if (run / stage).exists()}
    retried = dags_test()
    return {"env": env, "run": run, "failed": failed, "retried": retried,
            "finished_after_failure": finished_after_failure, "started_after_failure": started_after_failure}
