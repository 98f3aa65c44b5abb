"""The DAG factory, loaded the way Airflow loads it (DagBag over pipelines/)."""
from pathlib import Path

import pytest
import yaml
from airflow.dag_processing.dagbag import DagBag

from conftest import ROOT

CONFIGS = sorted((ROOT / "conf").glob("*.yaml"))


@pytest.fixture(scope="module")
def dagbag():
    return DagBag(dag_folder=str(ROOT / "pipelines"))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}


def test_a_broken_config_is_reported_by_its_own_dag_and_the_log_while_the_others_load(tmp_path, monkeypatch, caplog):
    (tmp_path / "flights.yaml").write_text((ROOT / "conf" / "flights.yaml").read_text())
    (tmp_path / "broken.yaml").write_text("pipeline: [unclosed\n")
    (tmp_path / "spaces.yaml").write_text("pipeline: has spaces\n")
    (tmp_path / "twin.yaml").write_text((ROOT / "conf" / "flights.yaml").read_text())
    monkeypatch.setenv("DUET_CONF_DIR", str(tmp_path))

    with caplog.at_level("ERROR", logger="duet.dags"):
        bag = DagBag(dag_folder=str(ROOT / "pipelines"))

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"duet_flights", "duet_flights_score", "duet_broken_broken", "duet_broken_spaces",
                                "duet_broken_twin"}
    assert set(bag.dags["duet_flights"].task_ids) == {"ingest", "train_ml", "train_dl", "evaluate"}
    broken = bag.dags["duet_broken_broken"]
    assert "duet-broken" in broken.tags
    assert broken.task_ids == ["config_error"]
    assert "broken.yaml" in broken.description and "while parsing a flow sequence" in broken.description
    assert "also used by flights.yaml" in bag.dags["duet_broken_twin"].description
    errors = [r.getMessage() for r in caplog.records if r.name == "duet.dags"]
    assert len(errors) == 3 and any("spaces.yaml does not build a DAG" in e for e in errors)


def test_there_is_a_training_dag_and_a_score_dag_per_pipeline_config(dagbag):
    pipelines = {yaml.safe_load(c.read_text())["pipeline"] for c in CONFIGS}
    assert set(dagbag.dag_ids) == {f"duet_{p}" for p in pipelines} | {f"duet_{p}_score" for p in pipelines}
    assert {"duet_flights", "duet_mnist", "duet_spam_score"} <= set(dagbag.dag_ids)


def test_the_score_dag_scores_the_logical_dates_rows_with_the_blessed_model(dagbag, monkeypatch):
    dag = dagbag.dags["duet_flights_score"]
    assert dag.task_ids == ["score"]
    assert "duet-score" in dag.tags
    assert dag.schedule == "@daily"
    task = dag.get_task("score")
    args = task.application_args
    assert args[0] == "score"
    assert args[3:5] == ["--run-id", "{{ duet_run_id_of(dag_run) }}"]
    assert args[args.index("--input") + 1] == str(ROOT / "incoming" / "flights" / "{{ ds }}")
    assert "--blessed" in args and "--fail-on-drift" not in args
    assert "application_args" in task.template_fields
    monkeypatch.setenv("DUET_SCORE_FAIL_ON_DRIFT", "true")
    monkeypatch.setenv("DUET_SCORE_INPUT", "hdfs://nn/landing/{pipeline}/{{ ds_nodash }}")
    monkeypatch.setenv("DUET_SCORE_SCHEDULE", "0 6 * * *")
    strict = DagBag(dag_folder=str(ROOT / "pipelines")).dags["duet_flights_score"]
    strict_args = strict.get_task("score").application_args
    assert strict_args[strict_args.index("--input") + 1] == "hdfs://nn/landing/flights/{{ ds_nodash }}"
    assert "--fail-on-drift" in strict_args
    assert strict.schedule == "0 6 * * *"


def test_ingest_fans_out_to_both_branches_which_join_at_evaluate(dagbag):
    dag = dagbag.dags["duet_flights"]
    assert set(dag.task_ids) == {"ingest", "train_ml", "train_dl", "evaluate"}
    assert dag.get_task("ingest").downstream_task_ids == {"train_ml", "train_dl"}
    assert dag.get_task("evaluate").upstream_task_ids == {"train_ml", "train_dl"}
    assert dag.get_task("train_ml").downstream_task_ids == {"evaluate"}


def test_each_task_is_a_spark_submit_of_its_stage_on_its_profile(dagbag):
    dag = dagbag.dags["duet_mnist"]
    for task_id, stage, profile in [("ingest", "ingest", "cpu"), ("train_ml", "train-ml", "cpu"),
                                    ("train_dl", "train-dl", "gpu"), ("evaluate", "evaluate", "cpu")]:
        task = dag.get_task(task_id)
        assert task._java_class == "dev.duet.cli.DuetMain"
        assert task.application.endswith("duet-jobs-all.jar")
        assert task.application_args[0] == stage
        assert task.application_args[1:3] == ["--config", str(ROOT / "conf" / "mnist.yaml")]
        assert task.application_args[3:5] == ["--run-id", "{{ duet_run_id_of(dag_run) }}"]
        assert Path(task.properties_file).name == f"{profile}.conf"
        assert task.retries == 2


def test_a_run_conf_can_name_the_duet_run():
    from types import SimpleNamespace

    from duet_dags import duet_run_id_of

    assert duet_run_id_of(SimpleNamespace(conf={"duet_run_id": "r7"}, run_id="manual__x")) == "r7"
    assert duet_run_id_of(SimpleNamespace(conf={}, run_id="manual__x:1")) == "manual__x-1"


def test_airflow_run_ids_map_to_valid_stable_duet_run_ids():
    from duet_dags import duet_run_id

    assert duet_run_id("manual__2026-11-25T10:00:00+00:00") == "manual__2026-11-25T10-00-00-00-00"
    assert duet_run_id("scheduled__2026-11-25T00:00:00+00:00") == duet_run_id("scheduled__2026-11-25T00:00:00+00:00")
    assert duet_run_id("..x") == "r-x"
    long_id = duet_run_id("manual__" + "x" * 300)
    assert len(long_id) == 128 and long_id != duet_run_id("manual__" + "x" * 299)
