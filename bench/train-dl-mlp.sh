#!/usr/bin/env bash
# Deep-learning benchmark (not a test): the reference MLP on MNIST, DL4J's single-network fit vs
# parameter averaging over 2 Spark workers, same minibatches and epochs, one JVM.
#   bench/train-dl-mlp.sh [epochs]      (default 5)
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" TrainDlBench.java "${1:-5}"
