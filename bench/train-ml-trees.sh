#!/usr/bin/env bash
# Gradient-boosting benchmark (not a test): MLlib GBT, XGBoost and LightGBM on the full 3M flights,
# same features, same rounds and depth (40 x 6), boosters before and after MLlib; then the boosters
# with airports ordinal, and at settings that buy AUC. Prints train seconds, executor CPU, test AUC
# and the speed ratio against MLlib GBT.
#   bench/train-ml-trees.sh
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" TrainMlBench.java
