"""One training step of a large embedding table that a batch touches in a few rows:
dense gradients against row-sparse ones (`nn.Embedding(sparse=True)`).

    python -m benchmarks.embedding_sparse                  # 50k x 100, 256 lookups
    python -m benchmarks.embedding_sparse --vocab 5000 --repeats 5

The step is the skip-gram one: look up centre rows e_c and target rows θ_t, score
σ(θ_tᵀ e_c), backpropagate, update. A dense gradient costs O(V × D) per step (a zero
table, the scatter, the optimizer over every row); a sparse one O(batch × D). The
median step time of each variant is printed (and written with --json).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import minigrad as mg
import nn
import nn.functional as F


def step_function(vocab: int, dim: int, batch: int, sparse: bool, optimizer: str, seed: int = 0):
    """A closure running one step; each call draws a fresh batch of `batch` (centre, target) pairs."""
    rng = np.random.default_rng(seed)
    mg.manual_seed(seed)
    centre = nn.Embedding(vocab, dim, sparse=sparse)
    target = nn.Embedding(vocab, dim, sparse=sparse)
    params = list(centre.parameters()) + list(target.parameters())
    if optimizer == "sgd":
        opt = nn.optim.SGD(params, lr=0.1)
    else:
        opt = (nn.optim.SparseAdam if sparse else nn.optim.Adam)(params, lr=1e-3)
    labels = mg.tensor((rng.random(batch) < 0.5).astype(np.float32))

    def step() -> float:
        c = mg.tensor(rng.integers(0, vocab, batch))
        t = mg.tensor(rng.integers(0, vocab, batch))
        logits = (centre(c) * target(t)).sum(axis=-1)  # θ_tᵀ e_c
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def time_steps(step, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vocab", type=int, default=50_000)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--batch", type=int, default=256, help="lookups per table per step")
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    results = {}
    for optimizer in ("sgd", "adam"):
        for sparse in (False, True):
            name = f"{optimizer} {'sparse' if sparse else 'dense'}"
            step = step_function(args.vocab, args.dim, args.batch, sparse, optimizer)
            results[name] = time_steps(step, args.repeats)
    print(f"embedding step, 2 tables of {args.vocab} x {args.dim}, {args.batch} lookups each "
          f"(median of {args.repeats}):")
    for name, seconds in results.items():
        print(f"  {name:<14} {seconds * 1e3:8.2f} ms")
    for optimizer in ("sgd", "adam"):
        print(f"  {optimizer}: sparse is {results[f'{optimizer} dense'] / results[f'{optimizer} sparse']:.1f}x faster")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": vars(args), "median_s": results}, f, indent=2)
    return results


if __name__ == "__main__":
    main()
