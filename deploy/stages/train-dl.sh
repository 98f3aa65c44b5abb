#!/usr/bin/env bash
# train-dl as its own application on GPU executors (gpu profile; build the jar with mvn -Pcuda -DskipTests package).
# SPARK_PROFILE=cpu runs it on CPU executors with the ND4J CPU backend instead.
#   deploy/stages/train-dl.sh --config conf/<pipeline>.yaml [--run-id ID] [--store URI] [--force]
# SPARK_HOME, SPARK_MASTER, SPARK_SUBMIT_ARGS, DUET_JAR: see deploy/spark-submit.sh.
SPARK_PROFILE="${SPARK_PROFILE:-gpu}" exec "$(dirname "${BASH_SOURCE[0]}")/../spark-submit.sh" train-dl "$@"
