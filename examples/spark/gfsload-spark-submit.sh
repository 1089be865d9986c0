#!/usr/bin/env bash
# Warms yesterday's partition of db.events (or TABLE) as a spark-submit job: the driver plans, the
# executors load the partition's files into the cache cluster. The exit code is gfsload's (0
# everything cached, 2 bad input, 3 partial, 4 failed, 5 not found, 6 not enough cache capacity).
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
day="${1:-$(date -u -d yesterday +%Y-%m-%d)}"
table="${TABLE:-db.events}"
report_dir="${REPORT_DIR:-${GFSLOAD_HOME:-${HOME:?set GFSLOAD_HOME or REPORT_DIR}/.gfsload}/reports}"
token=()
if [[ -n "${TOKEN_FILE:-}" ]]; then
  token=(--token-file "$TOKEN_FILE")
fi
# ${token[@]+...}: an empty array is "unbound" under set -u before bash 4.4 (RHEL/CentOS 7 has 4.2)
exec spark-submit \
  --class io.gfsload.spark.GfsLoadSparkJob \
  --master "${SPARK_MASTER:-yarn}" --deploy-mode client \
  --name "gfsload warm $table dt=$day" \
  "${GFSLOAD_JOB_JAR:?set GFSLOAD_JOB_JAR to the job jar}" \
  --table "$table" --partition "dt=$day" --replication 2 \
  --master "${CACHE_MASTER:?set CACHE_MASTER to HOST:PORT}" ${token[@]+"${token[@]}"} \
  --metastore "${METASTORE:?set METASTORE to thrift://HOST:PORT}" \
  --progress json --report "$report_dir/gfsload-report-$day.json"
