#!/usr/bin/env bash
# Runs the gfsload benchmarks (P1-P3, C1, C1-tcp, C1-socket and C1-ssd by default; P4, P5, D1, D2 and others with
# --scenarios) and prints the result table; see benchmarks/README.md.
#
#   benchmarks/run.sh [--size smoke|reduced|full] [--runs N] [--scenarios P1,P2,P3,C1,P4,P5,D1,D2]
#                     [--work-dir DIR] [--out-dir DIR] [--memory-dir DIR] [--planner-jvm-option OPTION]...
#   benchmarks/run.sh jmh [JMH options, e.g. Checksum -f 1 -wi 2 -i 3]   # the JMH microbenchmarks
#
# Builds the benchmarks module (and what it depends on) first when its jar is missing or older
# than any source. Data sets are kept in benchmarks/target/bench-work for the next run; results
# go to benchmarks/target/benchmarks/results.{json,md}; library logs to benchmarks/target/bench.log.
#
# Environment:
#   BENCH_JAVA_OPTS  extra JVM options, after those of bin/jvm.options (gfsload runs in this JVM,
#                    with the options bin/gfsload gives it)
#   JAVA_HOME        the JDK to use (17 or later); default: java on the PATH
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$root/benchmarks"
jar="$module/target/gfsload-benchmarks-0.1.0-SNAPSHOT.jar"
lib="$module/target/lib"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

needs_build() {
  [[ -f "$jar" && -d "$lib" ]] || return 0
  [[ -n "$(find "$root" -path "$root/*/target" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$jar" -print -quit)" ]]
}

if needs_build; then
  echo "benchmarks: building (first run or sources changed)..." >&2
  build_log="$(mktemp -t gfsload-bench-build.XXXXXX.log)"
  if ! (cd "$root" && mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package >"$build_log" 2>&1); then
    tail -n 40 "$build_log" >&2
    echo "benchmarks: build failed; full log: $build_log" >&2
    exit 1
  fi
  rm -f "$build_log"
  touch "$jar"
fi

mkdir -p "$module/target"
mapfile -t jvm_options < <(grep -Ev '^[[:space:]]*(#|$)' "$root/bin/jvm.options")
if [[ "${1:-}" == "jmh" ]]; then
  shift
  exec "$java" ${jvm_options[@]+"${jvm_options[@]}"} ${BENCH_JAVA_OPTS:-} \
    -Dorg.slf4j.simpleLogger.logFile="$module/target/bench.log" \
    -Djava.util.logging.config.file="$root/bin/logging.properties" \
    -cp "$jar:$lib/*" org.openjdk.jmh.Main "$@"
fi
export GFSLOAD_BENCH_TARGET="$module/target"
exec "$java" ${jvm_options[@]+"${jvm_options[@]}"} ${BENCH_JAVA_OPTS:-} \
  -Dorg.slf4j.simpleLogger.logFile="$module/target/bench.log" \
  -Djava.util.logging.config.file="$root/bin/logging.properties" \
  -cp "$jar:$lib/*" io.gfsload.benchmarks.Bench "$@"
