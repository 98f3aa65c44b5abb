#!/usr/bin/env bash
# Ingest benchmark (not a test): Duet's ingest of the 3M flights as CSV against a bare Spark job
# that only reads the same CSV and writes Parquet, alternately in one JVM and Spark session.
#   bench/ingest-vs-bare.sh [rounds]      (default 3, after one warm-up round)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/fetch-sample-data.sh
mvn -B -q -DskipTests process-classes -pl jobs -am
mkdir -p bench/out
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)"
# shellcheck disable=SC2086
SPARK_LOCAL_IP=127.0.0.1 exec java -Xmx8g ${BENCH_JAVA_OPTS:-} $opens -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "jobs/target/classes:$(cat jobs/target/launcher-classpath.txt)" bench/IngestBench.java "${1:-3}"
