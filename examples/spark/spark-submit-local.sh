#!/usr/bin/env bash
# spark-submit without a Spark distribution, to try the gfsload job on one machine (a local[N]
# master): runs Spark's SparkSubmit on the classpath of Spark 3.5.7's spark-core (spark-dist, resolved
# by Maven on first use) with the --add-opens Spark 3.5 needs on Java 17, those the build gives the
# spark-job tests (java17.opens in the root pom.xml). Takes spark-submit's arguments. For a cluster
# (YARN, Kubernetes, standalone), use a Spark 3.5.x distribution's bin/spark-submit. May be run
# through a symbolic link: a link named spark-submit to it, first on the PATH, stands in for
# spark-submit in gfsload-spark-submit.sh.
#
#   JAVA_HOME  the JDK to use (17); default: java on the PATH
set -euo pipefail
# the checkout this script is in, also when it is run through a symbolic link (a spark-submit on the
# PATH for gfsload-spark-submit.sh)
script="$(readlink -f -- "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname -- "$script")/../.." && pwd)"
classpath="$root/spark-dist/target/spark-classpath.txt"
if [[ ! -f "$classpath" ]]; then
  echo "spark-submit-local: resolving the classpath of Spark 3.5.7 (first run)..." >&2
  (cd "$root" && mvn -B -q -pl spark-dist package) >&2
fi
mapfile -t opens < <(sed -n '/<java17.opens>/,/<\/java17.opens>/p' "$root/pom.xml" | sed 's/<[^>]*>//g' | tr -s ' \t' '\n' | grep -v '^$')
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Xmx1g "${opens[@]}" -cp "$(cat "$classpath")" org.apache.spark.deploy.SparkSubmit --conf spark.ui.enabled=false "$@"
