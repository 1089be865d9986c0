#!/usr/bin/env bash
# Warms yesterday's partition of db.events as a spark-submit job: the driver plans, the executors
# load the partition's files into the cache cluster. The exit code is gfsload's (0 everything cached,
# 2 bad input, 3 partial, 4 failed, 5 not found, 6 not enough cache capacity).
#
#   GFSLOAD_JOB_JAR  the job's jar: spark-job/target/gfsload-spark-job-VERSION-job.jar
#   CACHE_MASTER     the cache cluster's master, HOST:PORT
#   METASTORE        thrift://HOST:PORT
#   TOKEN_FILE       the cluster's token file (omit for a cluster without one)
#
# Client mode: spark-submit then exits with gfsload's code, and the token file and the report are
# on this machine (see the README on cluster mode).
set -euo pipefail
day="${1:-$(date -u -d yesterday +%Y-%m-%d)}"
token=()
if [[ -n "${TOKEN_FILE:-}" ]]; then
  token=(--token-file "$TOKEN_FILE")
fi
exec spark-submit \
  --class io.gfsload.spark.GfsLoadSparkJob \
  --master "${SPARK_MASTER:-yarn}" --deploy-mode client \
  --name "gfsload warm db.events dt=$day" \
  "${GFSLOAD_JOB_JAR:?set GFSLOAD_JOB_JAR to the job jar}" \
  --table db.events --partition "dt=$day" --replication 2 \
  --master "${CACHE_MASTER:?set CACHE_MASTER to HOST:PORT}" "${token[@]}" \
  --metastore "${METASTORE:?set METASTORE to thrift://HOST:PORT}" \
  --progress json --report "/tmp/gfsload-report-$day.json"
