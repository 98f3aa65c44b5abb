#!/usr/bin/env bash
# Classic-ML benchmark (not a test): MLlib GBT and random forest on the full 3M flights at the demo
# settings of conf/flights.yaml; prints training time, rows/s, executor CPU and test AUC.
#   bench/train-ml-trees.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/fetch-sample-data.sh
mvn -B -q -DskipTests process-classes -pl jobs -am
mkdir -p bench/out
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)"
# shellcheck disable=SC2086
SPARK_LOCAL_IP=127.0.0.1 exec java -Xmx10g ${BENCH_JAVA_OPTS:-} $opens -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "jobs/target/classes:$(cat jobs/target/launcher-classpath.txt)" bench/TrainMlBench.java
