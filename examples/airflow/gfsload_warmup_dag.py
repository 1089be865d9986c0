"""Warms the cache with yesterday's partition of db.events every night at 01:00.

gfsload's exit codes drive the task state: 0 succeeds; 3 (partial), 4 (failed) and 5 (not found:
the partition may not have landed yet) fail the task and Airflow's retries re-run it, which resumes
the job from its journal; 2 (bad input) and 6 (not enough cache capacity) fail it without a retry,
since running the same command again cannot help. The JSON report is kept in the task's log.

The journal lives in GFSLOAD_HOME: on storage every Airflow worker mounts, a retry that runs on
another worker resumes the job too.
"""
import os
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowException, AirflowFailException

GFSLOAD = "/opt/gfsload/bin/gfsload"
GFSLOAD_HOME = "/shared/gfsload"
# exit codes a re-run cannot change
PERMANENT = {2: "bad usage or input", 6: "not enough cache capacity"}

with DAG(
    dag_id="gfsload_warmup_events",
    start_date=datetime(2026, 11, 1),
    schedule="0 1 * * *",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:

    @task
    def warm_events(ds=None):
        command = [
            GFSLOAD, "--table", "db.events", "--partition", f"dt={ds}", "--replication", "2", "--json",
            "--master", "cache-master:19998", "--metastore", "thrift://metastore:9083",
        ]
        code = subprocess.run(command, env={**os.environ, "GFSLOAD_HOME": GFSLOAD_HOME}).returncode
        if code in PERMANENT:
            raise AirflowFailException(f"gfsload exited {code} ({PERMANENT[code]}): not retried")
        if code != 0:
            raise AirflowException(f"gfsload exited {code}")

    warm_events()
