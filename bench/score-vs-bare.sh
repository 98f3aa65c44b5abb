#!/usr/bin/env bash
# Score benchmark (not a test): `duet score` of the 3M raw flights rows (ingest rules, predictions,
# drift, report) with MLlib's GBT, XGBoost and the MLP, each against a bare job that loads the same
# model with its stock library and writes its predictions, alternately in one JVM and Spark session.
# Trains the three models once first (~10 min on 2 cores).
#   bench/score-vs-bare.sh [rounds [model...]]   (default 1 round after a warm-up; gbt xgboost dl:mlp)
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ScoreBench.java "${1:-1}" "${@:2}"
