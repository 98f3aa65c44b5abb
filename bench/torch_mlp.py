"""The reference MLP (784-256-128-10, ReLU, Adam 1e-3, Xavier init) in PyTorch on CPU, on the same
ingested MNIST train/test split as bench/TrainDlBatchBench.java, at each batch size; prints one
table with DL4J's figures per ND4J build (the JSON files TrainDlBatchBench wrote) and the ratio of
DL4J's best build to PyTorch per batch size.

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


def train(x, y, tx, ty, batch, epochs):
    torch.manual_seed(42)
    net = mlp()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, len(y), batch)]
    start = time.perf_counter()
    for _ in range(epochs):
        for bx, by in batches:
            opt.zero_grad(set_to_none=True)
            loss_fn(net(bx), by).backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (net(tx).argmax(1) == ty).float().mean().item()
    return len(y) * epochs / seconds, accuracy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batches", default="32,128,512")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--dl4j", nargs="+", required=True, help="DL4J's figures (JSON), one file per ND4J build")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, y = load(args.clean, "train")
    # The Parquet holds the digits in input order; shuffle once (seeded), as DL4J's run does.
    # Unshuffled minibatches of one digit at a time barely learn.
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(42))
    x, y = x[order], y[order]
    tx, ty = load(args.clean, "test")
    sizes = [int(b) for b in args.batches.split(",")]
    train(x, y, tx, ty, 64, 1)  # warm-up, as DL4J's run has
    torch_rates = {b: train(x, y, tx, ty, b, args.epochs) for b in sizes}
    builds = []
    for path in args.dl4j:
        with open(path) as f:
            builds.append(json.load(f))
    print(f"bench: torch {torch.__version__} on CPU, {args.threads} thread(s), {len(y)} train rows, {args.epochs} epochs;"
          " samples/s (test accuracy)")
    print("bench: | engine | " + " | ".join(f"batch {b}" for b in sizes) + " |")
    print("bench: |---|" + "---|" * len(sizes))
    print("bench: | PyTorch | " + " | ".join(f"{torch_rates[b][0]:,.0f} ({torch_rates[b][1]:.3f})" for b in sizes) + " |")
    for d in builds:
        cells = [d["batches"][str(b)] for b in sizes]
        print(f"bench: | DL4J {d['build']} | " + " | ".join(
            f"{c['samples_per_second']:,.0f} ({c['accuracy']:.3f})" for c in cells) + " |")
    for b in sizes:
        best = max(builds, key=lambda d: d["batches"][str(b)]["samples_per_second"])
        ratio = best["batches"][str(b)]["samples_per_second"] / torch_rates[b][0]
        target = 1.0 if b >= 128 else 0.7
        print(f"bench: batch {b}: DL4J's best build ({best['build']}) / PyTorch samples/s {ratio:.2f}x"
              f" (target >= {target}x)")


if __name__ == "__main__":
    main()
