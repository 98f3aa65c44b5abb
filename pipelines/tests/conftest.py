"""A throw-away Airflow home per test session (SQLite), set before Airflow is imported."""
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_HOME = Path(tempfile.mkdtemp(prefix="duet-airflow-"))

os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "pipelines")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"

import sys  # noqa: E402

sys.path.insert(0, str(ROOT / "pipelines"))  # duet_dags, as the DAG processor imports it


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
