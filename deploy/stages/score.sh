#!/usr/bin/env bash
# score on CPU executors (cpu profile): a trained model applied to new rows, with drift.
#   deploy/stages/score.sh --config conf/<pipeline>.yaml --input <path or URI> [--model RUN/MODEL | --blessed]
#                          [--run-id ID] [--store URI] [--fail-on-drift] [--force]
# A network's scoring runs on the CPU backend here; SPARK_PROFILE=gpu with the CUDA jar puts it on GPUs.
# SPARK_HOME, SPARK_MASTER, SPARK_SUBMIT_ARGS, DUET_JAR: see deploy/spark-submit.sh.
SPARK_PROFILE="${SPARK_PROFILE:-cpu}" exec "$(dirname "${BASH_SOURCE[0]}")/../spark-submit.sh" score "$@"
