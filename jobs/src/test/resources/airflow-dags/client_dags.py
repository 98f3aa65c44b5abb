"""Two tiny DAGs for AirflowClientIT: one that succeeds, one whose task fails after printing a marker."""
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("duet_client_ok", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):
    BashOperator(task_id="hello", bash_command="echo hello from duet")

with DAG("duet_client_fail", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):
    BashOperator(task_id="boom", bash_command="echo 'duet-marker: about to fail' && exit 3")
