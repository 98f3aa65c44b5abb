#!/usr/bin/env bash
# verdict across the store's pipelines: reads each pipeline's latest evaluation and writes
# <store>/verdict/ (no Spark job runs; spark-submit only supplies the jar, the class path and the
# cluster's Hadoop settings for the store).
#   deploy/stages/verdict.sh [--store URI]
# SPARK_HOME, SPARK_MASTER, SPARK_SUBMIT_ARGS, DUET_JAR: see deploy/spark-submit.sh.
SPARK_PROFILE="${SPARK_PROFILE:-cpu}" exec "$(dirname "${BASH_SOURCE[0]}")/../spark-submit.sh" verdict "$@"
