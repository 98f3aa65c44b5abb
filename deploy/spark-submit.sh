#!/usr/bin/env bash
# Runs one Duet stage with spark-submit on the shaded jar (what Airflow tasks and cluster users run).
#   deploy/spark-submit.sh <stage> --config conf/<pipeline>.yaml [--run-id ID] [--store URI] [--force]
# Environment:
#   SPARK_HOME          a Spark 3.5.x (Scala 2.12) distribution; its bin/spark-submit is used
#   SPARK_MASTER        default local[*]; e.g. spark://host:7077, yarn, k8s://https://...
#   SPARK_PROFILE       cpu, gpu or mixed: conf/spark/<profile>.conf as the properties file (gpu and mixed want the
#                       jar built with: mvn -Pcuda -DskipTests package)
#   SPARK_SUBMIT_ARGS   extra spark-submit options (e.g. "--deploy-mode cluster --executor-memory 8g")
#   DUET_JAR            default jobs/target/duet-jobs-all.jar (built by: mvn -DskipTests package)
# The store should be a URI every executor can reach (hdfs://, s3a://) on a real cluster.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 distribution}"
jar="${DUET_JAR:-$root/jobs/target/duet-jobs-all.jar}"
[ -f "$jar" ] || { echo "deploy/spark-submit.sh: $jar not found; build it with: mvn -DskipTests package" >&2; exit 2; }
profile=()
if [ -n "${SPARK_PROFILE:-}" ]; then
  [ -f "$root/conf/spark/$SPARK_PROFILE.conf" ] || { echo "deploy/spark-submit.sh: no profile conf/spark/$SPARK_PROFILE.conf" >&2; exit 2; }
  profile=(--properties-file "$root/conf/spark/$SPARK_PROFILE.conf")
fi
# shellcheck disable=SC2086
exec "$SPARK_HOME/bin/spark-submit" \
  --master "${SPARK_MASTER:-local[*]}" \
  "${profile[@]}" \
  --class dev.duet.cli.DuetMain \
  --conf spark.sql.session.timeZone=UTC \
  ${SPARK_SUBMIT_ARGS:-} \
  "$jar" "$@"
