#!/usr/bin/env bash
# The whole pipeline in one application. On a cluster with GPU nodes, SPARK_PROFILE=mixed puts train-dl's
# training on GPU executors and everything else on CPU executors (stage-level scheduling).
#   deploy/stages/run.sh --config conf/<pipeline>.yaml [--run-id ID] [--store URI] [--force]
# SPARK_HOME, SPARK_MASTER, SPARK_SUBMIT_ARGS, DUET_JAR: see deploy/spark-submit.sh.
SPARK_PROFILE="${SPARK_PROFILE:-cpu}" exec "$(dirname "${BASH_SOURCE[0]}")/../spark-submit.sh" run "$@"
