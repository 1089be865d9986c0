#!/usr/bin/env bash
# Warms yesterday's partition of db.events (or TABLE) as a spark-submit job: the driver plans, the
# executors load the partition's files into the cache cluster. The exit code is gfsload's (0
# everything cached, 2 bad input, 3 partial, 4 failed, 5 not found, 6 not enough cache capacity); a
# variable below that is required and not set is bad input too, exit 2, before spark-submit runs.
#
#   GFSLOAD_JOB_JAR  the job's jar: spark-job/target/gfsload-spark-job-VERSION-job.jar
#   CACHE_MASTER     the cache cluster's master, HOST:PORT
#   METASTORE        thrift://HOST:PORT
#   TABLE            the table, DB.TABLE, partitioned by dt (default db.events; demo.events, the demo
#                    table 'gfsload metastore start' serves, to try it on one machine)
#   TOKEN_FILE       the cluster's token file (omit for a cluster without one)
#   SPARK_MASTER     Spark's master (default yarn; local[2] to try it on one machine, where without
#                    a Spark distribution a link named spark-submit to spark-submit-local.sh, first
#                    on the PATH, stands in for spark-submit)
#   REPORT_DIR       where the JSON report goes, gfsload-report-DAY.json (default
#                    $GFSLOAD_HOME/reports, else ~/.gfsload/reports: the user's own, not /tmp, where
#                    another user could put a link at the report's name)
#
# Client mode: spark-submit then exits with gfsload's code, and the token file and the report are
# on this machine (see docs/usage.md on cluster mode).
set -euo pipefail
# a variable the job needs, not set: bad input, gfsload's exit 2 (which a re-run cannot change), not the shell's 1
need() {
  if [[ -z "${!1:-}" ]]; then
    echo "gfsload-spark-submit.sh: set $1 to $2" >&2
    exit 2
  fi
}
need GFSLOAD_JOB_JAR "the job jar"
need CACHE_MASTER "HOST:PORT"
need METASTORE "thrift://HOST:PORT"
if [[ -z "${REPORT_DIR:-}" && -z "${GFSLOAD_HOME:-}" ]]; then
  need HOME "the user's home, or set GFSLOAD_HOME or REPORT_DIR"
fi
day="${1:-$(date -u -d yesterday +%Y-%m-%d)}"
table="${TABLE:-db.events}"
report_dir="${REPORT_DIR:-${GFSLOAD_HOME:-$HOME/.gfsload}/reports}"
token=()
if [[ -n "${TOKEN_FILE:-}" ]]; then
  token=(--token-file "$TOKEN_FILE")
fi
# ${token[@]+...}: an empty array is "unbound" under set -u before bash 4.4 (RHEL/CentOS 7 has 4.2)
exec spark-submit \
  --class io.gfsload.spark.GfsLoadSparkJob \
  --master "${SPARK_MASTER:-yarn}" --deploy-mode client \
  --name "gfsload warm $table dt=$day" \
  "$GFSLOAD_JOB_JAR" \
  --table "$table" --partition "dt=$day" --replication 2 \
  --master "$CACHE_MASTER" ${token[@]+"${token[@]}"} \
  --metastore "$METASTORE" \
  --progress json --report "$report_dir/gfsload-report-$day.json"
