#!/usr/bin/env bash
# Deep-learning benchmark (not a test): the reference MLP on MNIST in DL4J (bench/TrainDlBench.java,
# which also runs the 2-worker comparison) and in PyTorch on CPU, same data, batch size, epochs and
# thread count; prints the samples/s ratio and both test accuracies.
#   bench/train-dl-torch.sh [epochs] [threads]     (defaults 5, all cores)
# PyTorch goes into its own venv, bench/.venv-torch (PyPI's Linux wheel brings CUDA libraries: ~5 GB).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
epochs="${1:-5}"
threads="${2:-$(nproc)}"
if [ ! -x bench/.venv-torch/bin/python ] || ! bench/.venv-torch/bin/python -c "import torch, pyarrow" 2>/dev/null; then
  python3 -m venv bench/.venv-torch
  bench/.venv-torch/bin/pip install -q torch numpy pyarrow
fi
OMP_NUM_THREADS="$threads" bench/train-dl-mlp.sh "$epochs"
bench/.venv-torch/bin/python bench/torch_mlp.py --clean bench/out/store/mnist/bench/ingest/clean \
  --epochs "$epochs" --threads "$threads" --dl4j bench/out/train-dl-mlp.json
