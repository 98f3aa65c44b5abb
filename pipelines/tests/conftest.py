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
