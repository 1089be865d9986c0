"""Warms the cache with yesterday's partition of db.events every night at 01:00.

gfsload's exit codes drive the task state: 0 succeeds; 3 (partial), 4 (failed) and 5 (not found:
the partition may not have landed yet, whether the metastore does not have it or has it without its
directory in the UFS) fail the task and Airflow's retries re-run it, which resumes the job from its
journal; 2 (bad input, a --master that is not a gfsload cache master) and 6 (not enough cache capacity) fail it without a retry,
since running the same command again cannot help (exit 4 covers what a retry may change: a master
or metastore that cannot be reached, workers lost below the replication, a journal that cannot be
opened, whose message names --restart as the way to start the job afresh: a journal whose store is
unusable, as a run killed while deleting it may leave it, is moved aside by the next run, which
starts the job afresh and does not fail). The JSON report goes to
the task's log and to GFSLOAD_HOME/reports on the shared storage.

GFSLOAD is a built installation (a checkout on which bin/gfsload ran once, or the same tree copied
to every worker): bin/gfsload builds from source only when its jar is missing or older than the
sources, which needs Maven and write access on the worker.

The journal lives in GFSLOAD_HOME: on storage every Airflow worker mounts, a retry that runs on
another worker resumes the job too.
"""
import logging
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
            "--progress", "none", "--report", f"{GFSLOAD_HOME}/reports/db.events/dt={ds}.json",
            "--master", "cache-master:19998", "--metastore", "thrift://metastore:9083",
        ]
        # captured and logged: a child process's own output does not reach the task's log
        result = subprocess.run(command, env={**os.environ, "GFSLOAD_HOME": GFSLOAD_HOME}, capture_output=True, text=True)
        log = logging.getLogger("airflow.task")
        if result.stderr:
            log.info("gfsload stderr:\n%s", result.stderr)
        log.info("gfsload report:\n%s", result.stdout)
        code = result.returncode
        if code in PERMANENT:
            raise AirflowFailException(f"gfsload exited {code} ({PERMANENT[code]}): not retried")
        if code != 0:
            raise AirflowException(f"gfsload exited {code}")

    warm_events()
