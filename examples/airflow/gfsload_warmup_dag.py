"""Warms the cache with yesterday's partition of db.events every night at 01:00.

gfsload's exit codes drive the task state: 0 succeeds; 3 (partial), 4 (failed), 5 (not found),
6 (not enough cache capacity) and 2 (bad input) fail the task, and Airflow's retries re-run it. The JSON report is kept as
the task's log.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

GFSLOAD = "/opt/gfsload/bin/gfsload"

with DAG(
    dag_id="gfsload_warmup_events",
    start_date=datetime(2026, 11, 1),
    schedule="0 1 * * *",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    BashOperator(
        task_id="warm_events",
        bash_command=(
            f"{GFSLOAD} --table db.events --partition dt={{{{ ds }}}} --replication 2 --json "
            "--master cache-master:19998 --metastore thrift://metastore:9083"
        ),
    )
