#!/usr/bin/env bash
# Deep-learning benchmark (not a test): the reference MLP (784-256-128-10, ReLU, Adam 1e-3) on
# MNIST's train split from Duet's ingest, one network, in DL4J under each ND4J CPU build
# (bench/TrainDlBatchBench.java, one JVM per build: the build is chosen by the classpath) and in
# PyTorch on CPU (bench/torch_mlp.py), same data order, epochs, threads and batch sizes; prints
# one table of samples/s and test accuracy, and DL4J's best build against PyTorch per batch size.
#   bench/train-dl-torch.sh [epochs] [threads] [batches]     (defaults 5, 1, 32,128,512)
# PyTorch goes into its own venv, bench/.venv-torch (PyPI's Linux wheel brings CUDA libraries: ~5 GB).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
epochs="${1:-5}"
threads="${2:-1}"
batches="${3:-32,128,512}"
if [ ! -x bench/.venv-torch/bin/python ] || ! bench/.venv-torch/bin/python -c "import torch, pyarrow" 2>/dev/null; then
  python3 -m venv bench/.venv-torch
  bench/.venv-torch/bin/pip install -q torch numpy pyarrow
fi
deploy/fetch-sample-data.sh
mvn -B -q -DskipTests process-classes -pl jobs -am
mkdir -p bench/out
./duet ingest --config conf/mnist.yaml --run-id bench --store bench/out/store >/dev/null
version="$(sed -n 's:.*<dl4j.version>\(.*\)</dl4j.version>.*:\1:p' pom.xml)"
generic="nd4j-native-$version-linux-x86_64.jar"
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)"
classpath="$(cat jobs/target/launcher-classpath.txt)"
results=()
for build in linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512; do
  mvn -B -q dependency:get -Dartifact="org.nd4j:nd4j-native:$version:jar:$build" -Dtransitive=false >/dev/null
  # shellcheck disable=SC2086
  OMP_NUM_THREADS="$threads" SPARK_LOCAL_IP=127.0.0.1 java -Xmx6g $opens \
    -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
    -cp "jobs/target/classes:${classpath//$generic/nd4j-native-$version-$build.jar}" \
    bench/TrainDlBatchBench.java "$build" "$epochs" "bench/out/train-dl-$build.json" "$batches" | grep '^bench:'
  results+=("bench/out/train-dl-$build.json")
done
bench/.venv-torch/bin/python bench/torch_mlp.py --clean bench/out/store/mnist/bench/ingest/clean \
  --epochs "$epochs" --threads "$threads" --batches "$batches" --dl4j "${results[@]}"
