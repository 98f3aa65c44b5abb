#!/usr/bin/env bash
# Classic-ML benchmark (not a test): MLlib GBT and random forest on the full 3M flights at the demo
# settings of conf/flights.yaml; prints training time, rows/s, executor CPU and test AUC.
#   bench/train-ml-trees.sh
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" TrainMlBench.java
