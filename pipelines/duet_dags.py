"""Two Airflow DAGs per Duet pipeline config: ``duet_<pipeline>``, ingest -> [train_ml || train_dl] ->
evaluate, and ``duet_<pipeline>_score``, which scores each day's new rows with the latest blessed model
and checks them for drift (``duet score``).

Each task is a spark-submit of the Duet jar running one stage (``dev.duet.cli.DuetMain <stage>``).
The classic-ML branch runs with the ``cpu`` Spark profile, the deep-learning branch with the ``gpu``
profile and the CUDA build of the jar. Every task of a DAG run passes the same Duet run id, derived
from Airflow's run id (or ``{"duet_run_id": "..."}`` in the run's conf), so a retried task works on
the same run: a stage that finished is skipped, a network resumes from its last checkpoint.

Settings come from the environment of the Airflow components (defaults in brackets):

    DUET_HOME                  the Duet checkout [the parent of this folder]
    DUET_CONF_DIR              where the pipeline configs are, one DAG per *.yaml [$DUET_HOME/conf]
    DUET_STORE                 store URI every executor can reach [$DUET_HOME/artifacts]
    DUET_JAR                   the shaded jar (mvn -DskipTests package) [$DUET_HOME/jobs/target/duet-jobs-all.jar]
    DUET_CUDA_JAR              the jar built with -Pcuda, for train_dl [$DUET_JAR]
    DUET_ML_PROFILE            Spark profile of ingest/train_ml/evaluate: conf/spark/<name>.conf [cpu]
    DUET_DL_PROFILE            Spark profile of train_dl [gpu]
    DUET_SPARK_CONN_ID         Airflow connection with the Spark master [spark_default]
    DUET_SPARK_BINARY          spark-submit of a Spark 3.5 home [$DUET_HOME/deploy/spark-home/bin/spark-submit]
    DUET_SCHEDULE              cron expression or preset such as @daily [none: triggered runs only]
    DUET_RETRIES               retries per task [2]
    DUET_RETRY_DELAY_MINUTES   [5]
    DUET_TASK_TIMEOUT_MINUTES  execution timeout per task [240]
    DUET_SCORE_SCHEDULE        schedule of the score DAGs [@daily]
    DUET_SCORE_INPUT           the rows a score run reads, an Airflow template; {pipeline} is replaced by
                               the pipeline's name [$DUET_HOME/incoming/{pipeline}/{{ ds }}]
    DUET_SCORE_FAIL_ON_DRIFT   "true": a score run that flags drift fails its task (after publishing) [false]

Parsing reads the config files only (no connections, no Spark): cheap for the DAG processor.
Each config builds its DAG on its own: a file that cannot (bad YAML, no valid pipeline name, a
pipeline name another file already uses) is logged as an error by the DAG processor and shows up
as a paused-looking ``duet_broken_<file>`` DAG tagged ``duet-broken``, whose one task fails with the
reason, while every other pipeline's DAG loads as usual.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from airflow.sdk.exceptions import AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

_ID = re.compile(r"[^A-Za-z0-9_.-]")
log = logging.getLogger("duet.dags")


def duet_run_id(airflow_run_id: str) -> str:
    """Airflow's run id as a valid Duet run id: letters, digits, '_', '.', '-', at most 128 characters.

    ``manual__2026-11-25T10:00:00+00:00`` becomes ``manual__2026-11-25T10-00-00-00-00``. The mapping
    is deterministic, so every try of every task of one DAG run names the same Duet run.
    """
    run_id = _ID.sub("-", airflow_run_id).replace("..", "-")
    if not run_id or not re.match(r"[A-Za-z0-9_]", run_id[0]):
        run_id = "r" + run_id
    if len(run_id) > 128:
        run_id = run_id[:115] + "-" + hashlib.sha1(airflow_run_id.encode()).hexdigest()[:12]
    return run_id


def duet_run_id_of(dag_run) -> str:
    """The Duet run a DAG run works on: ``duet_run_id`` from the run's conf when given (to resume or
    redo a particular Duet run from Airflow), else the one mapped from Airflow's run id."""
    conf = getattr(dag_run, "conf", None) or {}
    return str(conf["duet_run_id"]) if conf.get("duet_run_id") else duet_run_id(dag_run.run_id)


def _settings() -> dict:
    home = Path(os.environ.get("DUET_HOME", Path(__file__).resolve().parent.parent))
    jar = os.environ.get("DUET_JAR", str(home / "jobs" / "target" / "duet-jobs-all.jar"))
    return {
        "home": home,
        "conf_dir": Path(os.environ.get("DUET_CONF_DIR", home / "conf")),
        "store": os.environ.get("DUET_STORE", str(home / "artifacts")),
        "jar": jar,
        "cuda_jar": os.environ.get("DUET_CUDA_JAR", jar),
        "ml_profile": os.environ.get("DUET_ML_PROFILE", "cpu"),
        "dl_profile": os.environ.get("DUET_DL_PROFILE", "gpu"),
        "conn_id": os.environ.get("DUET_SPARK_CONN_ID", "spark_default"),
        "spark_binary": os.environ.get("DUET_SPARK_BINARY", str(home / "deploy" / "spark-home" / "bin" / "spark-submit")),
        "schedule": os.environ.get("DUET_SCHEDULE") or None,
        "retries": int(os.environ.get("DUET_RETRIES", "2")),
        "retry_delay": timedelta(minutes=float(os.environ.get("DUET_RETRY_DELAY_MINUTES", "5"))),
        "timeout": timedelta(minutes=float(os.environ.get("DUET_TASK_TIMEOUT_MINUTES", "240"))),
        "score_schedule": os.environ.get("DUET_SCORE_SCHEDULE", "@daily"),
        "score_input": os.environ.get("DUET_SCORE_INPUT", str(home / "incoming" / "{pipeline}" / "{{ ds }}")),
        "fail_on_drift": os.environ.get("DUET_SCORE_FAIL_ON_DRIFT", "false").lower() == "true",
    }


def _stage(s: dict, config: Path, task_id: str, stage: str, profile: str, jar: str,
           extra_args: list[str] | None = None) -> SparkSubmitOperator:
    return SparkSubmitOperator(
        task_id=task_id,
        application=jar,
        java_class="dev.duet.cli.DuetMain",
        application_args=[stage, "--config", str(config), "--run-id", "{{ duet_run_id_of(dag_run) }}",
                          "--store", s["store"]] + (extra_args or []),
        properties_file=str(s["home"] / "conf" / "spark" / f"{profile}.conf"),
        conf={"spark.sql.session.timeZone": "UTC"},
        name=f"duet-{stage}-{{{{ duet_run_id_of(dag_run) }}}}",
        conn_id=s["conn_id"],
        spark_binary=s["spark_binary"],
        execution_timeout=s["timeout"],
    )


def _pipeline_dag(s: dict, dag_id: str, schedule, tags: list[str], description: str) -> DAG:
    """A DAG of Duet runs: one at a time, no catch-up, each task's run id from the DAG run."""
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        user_defined_macros={"duet_run_id_of": duet_run_id_of},
        default_args={"retries": s["retries"], "retry_delay": s["retry_delay"]},
        tags=tags,
        doc_md=__doc__,
    )


def _pipeline_doc(config: Path) -> dict | None:
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) and "pipeline" in doc else None


def build_score_dag(config: Path, s: dict) -> DAG | None:
    """The score DAG of one pipeline config: each logical date's rows scored by the latest blessed
    model (the training run's own ingest rules, drift from its train split); None without a model to train."""
    doc = _pipeline_doc(config)
    if doc is None or not (doc.get("train_ml") or doc.get("train_dl")):
        return None
    pipeline = str(doc["pipeline"])
    args = ["--input", s["score_input"].replace("{pipeline}", pipeline), "--blessed"]
    if s["fail_on_drift"]:
        args.append("--fail-on-drift")
    with _pipeline_dag(s, f"duet_{pipeline}_score", s["score_schedule"], ["duet", "duet-score"],
                       f"Duet pipeline {pipeline} ({config.name}): score new rows with the blessed model, check drift"
                       ) as dag:
        _stage(s, config, "score", "score", s["ml_profile"], s["jar"], args)
    return dag


def build_dag(config: Path, s: dict) -> DAG | None:
    """The DAG of one pipeline config, or None for a file that is not a Duet pipeline."""
    doc = _pipeline_doc(config)
    if doc is None:
        return None
    pipeline = str(doc["pipeline"])
    with _pipeline_dag(s, f"duet_{pipeline}", s["schedule"], ["duet"],
                       f"Duet pipeline {pipeline} ({config.name}): ingest -> train_ml || train_dl -> evaluate") as dag:
        ingest = _stage(s, config, "ingest", "ingest", s["ml_profile"], s["jar"])
        branches = []
        if doc.get("train_ml"):
            branches.append(_stage(s, config, "train_ml", "train-ml", s["ml_profile"], s["jar"]))
        if doc.get("train_dl"):
            branches.append(_stage(s, config, "train_dl", "train-dl", s["dl_profile"], s["cuda_jar"]))
        evaluate = _stage(s, config, "evaluate", "evaluate", s["ml_profile"], s["jar"])
        if branches:
            ingest >> branches >> evaluate
        else:
            ingest >> evaluate  # evaluate then says the run has no trained model
    return dag


def _fail(reason: str):
    raise AirflowFailException(reason)


def broken_dag(config: Path, reason: str) -> DAG:
    """What a config that cannot build its DAG shows in Airflow: a DAG that says why, and fails if run."""
    with DAG(
        dag_id="duet_broken_" + _ID.sub("_", config.stem),
        description=f"Broken Duet config {config.name}: {reason}"[:500],
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["duet", "duet-broken"],
        doc_md=f"**{config}** does not build a Duet DAG:\n\n    {reason}\n\nFix the file; the DAG processor picks it up.",
    ) as dag:
        PythonOperator(task_id="config_error", python_callable=_fail, op_args=[f"{config}: {reason}"], retries=0)
    return dag


def _build_all() -> dict:
    s = _settings()
    dags = {}
    sources = {}
    for config in sorted(s["conf_dir"].glob("*.yaml")):
        try:
            built = [d for d in (build_dag(config, s), build_score_dag(config, s)) if d is not None]
            for dag in built:
                if dag.dag_id in dags:
                    raise ValueError(f"pipeline name of {dag.dag_id} is also used by {sources[dag.dag_id].name}")
        except Exception as e:  # one broken file must not take the other pipelines' DAGs with it
            reason = " ".join(f"{type(e).__name__}: {e}".split())
            log.error("duet: %s does not build a DAG: %s", config, reason)
            built = [broken_dag(config, reason)]
        for dag in built:
            dags[dag.dag_id] = dag
            sources[dag.dag_id] = config
    return dags


globals().update(_build_all())
