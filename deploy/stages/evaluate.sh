#!/usr/bin/env bash
# evaluate on CPU executors (cpu profile).
#   deploy/stages/evaluate.sh --config conf/<pipeline>.yaml [--run-id ID] [--store URI] [--force]
# SPARK_HOME, SPARK_MASTER, SPARK_SUBMIT_ARGS, DUET_JAR: see deploy/spark-submit.sh.
SPARK_PROFILE="${SPARK_PROFILE:-cpu}" exec "$(dirname "${BASH_SOURCE[0]}")/../spark-submit.sh" evaluate "$@"
