#!/usr/bin/env bash
# Runs a single-file benchmark (bench/<Name>.java) against Duet's compiled classes, on the sample
# data, in one JVM with Spark's Java 17 flags:  bench/run-java.sh <Name>.java [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/fetch-sample-data.sh
mvn -B -q -DskipTests process-classes -pl jobs -am
mkdir -p bench/out
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)"
main="$1"
shift
# shellcheck disable=SC2086
SPARK_LOCAL_IP=127.0.0.1 exec java ${BENCH_JAVA_OPTS:--Xmx10g} $opens -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "jobs/target/classes:$(cat jobs/target/launcher-classpath.txt)" "bench/$main" "$@"
