"""The reference MLP (784-256-128-10, ReLU, Adam 1e-3, batch 32, Xavier init) in PyTorch on CPU,
on the same ingested MNIST train/test split as bench/TrainDlBench.java; compares its samples/s and
test accuracy with DL4J's single-network figures from bench/out/train-dl-mlp.json.

Run by bench/train-dl-torch.sh; not a test."""
import argparse
import json
import time

import numpy as np
import pyarrow.dataset as pads
import torch
from torch import nn


def load(clean, split):
    table = pads.dataset(clean, format="parquet", partitioning="hive").to_table(
        filter=pads.field("split") == split)
    pixels = np.stack([table.column(f"pixel{i}").to_numpy() for i in range(784)], axis=1).astype(np.float32)
    labels = table.column("label").to_numpy().astype(np.int64)
    return torch.from_numpy(pixels), torch.from_numpy(labels)


def mlp():
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    for layer in net:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_normal_(layer.weight)  # DL4J's XAVIER: N(0, 2 / (fan_in + fan_out))
            nn.init.zeros_(layer.bias)
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--dl4j", required=True, help="DL4J's figures (JSON) from TrainDlBench")
    args = ap.parse_args()
    torch.manual_seed(42)
    torch.set_num_threads(args.threads)
    x, y = load(args.clean, "train")
    # The Parquet holds the digits in input order; shuffle once (seeded) as DL4J's run gets Spark's
    # repartitioned order. Unshuffled minibatches of one digit at a time barely learn.
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(42))
    x, y = x[order], y[order]
    tx, ty = load(args.clean, "test")
    net = mlp()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(x[i:i + args.batch], y[i:i + args.batch]) for i in range(0, len(y), args.batch)]
    start = time.perf_counter()
    for _ in range(args.epochs):
        for bx, by in batches:
            opt.zero_grad(set_to_none=True)
            loss_fn(net(bx), by).backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (net(tx).argmax(1) == ty).float().mean().item()
    rate = len(y) * args.epochs / seconds
    with open(args.dl4j) as f:
        dl4j = json.load(f)
    print(f"bench: torch {torch.__version__} on CPU, {args.threads} threads, {len(batches)} minibatches of "
          f"{args.batch}, {args.epochs} epochs")
    print(f"bench: PyTorch, one network   {seconds:6.1f} s  {rate:8,.0f} samples/s  test accuracy {accuracy:.4f}")
    print(f"bench: DL4J fit, one network  {dl4j['single_seconds']:6.1f} s  {dl4j['single_samples_per_second']:8,.0f} "
          f"samples/s  test accuracy {dl4j['single_accuracy']:.4f}")
    print(f"bench: DL4J / PyTorch samples/s {dl4j['single_samples_per_second'] / rate:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
