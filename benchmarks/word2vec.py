"""Skip-gram with negative sampling, one training step in minigrad and in PyTorch.

    python -m benchmarks.word2vec                 # V = 2800, D = 50, 1024 pairs, k = 5

The model of examples/word_embeddings.py: sparse tables E and Θ, the loss
-log σ(θ_tᵀ e_c) - Σ_k log σ(-θ_nᵀ e_c), SparseAdam. Both frameworks get the same
batches; the median step time gives pairs per second, and words per second at the
example's ~5 pairs per word (window 4, dynamic).
"""
from __future__ import annotations

import argparse
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

PAIRS_PER_WORD = 5.0


def minigrad_step(vocab, dim, k):
    E = nn.Embedding(vocab, dim, sparse=True)
    T = nn.Embedding(vocab, dim, sparse=True)
    opt = nn.optim.SparseAdam(list(E.parameters()) + list(T.parameters()), lr=0.01)

    def step(c, t, n):
        c, t, n = mg.tensor(c), mg.tensor(t), mg.tensor(n)
        e = E(c)
        pos = (T(t) * e).sum(axis=-1)
        neg = (T(n) * e.unsqueeze(1)).sum(axis=-1)
        loss = (F.binary_cross_entropy_with_logits(pos, mg.ones_like(pos), reduction="sum")
                + F.binary_cross_entropy_with_logits(neg, mg.zeros_like(neg), reduction="sum")) / c.shape[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_step(vocab, dim, k):
    import torch

    E = torch.nn.Embedding(vocab, dim, sparse=True)
    T = torch.nn.Embedding(vocab, dim, sparse=True)
    opt = torch.optim.SparseAdam(list(E.parameters()) + list(T.parameters()), lr=0.01)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step(c, t, n):
        c, t, n = torch.from_numpy(c), torch.from_numpy(t), torch.from_numpy(n)
        e = E(c)
        pos = (T(t) * e).sum(-1)
        neg = (T(n) * e.unsqueeze(1)).sum(-1)
        loss = (bce(pos, torch.ones_like(pos), reduction="sum")
                + bce(neg, torch.zeros_like(neg), reduction="sum")) / c.shape[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vocab", type=int, default=2800)
    p.add_argument("--dim", type=int, default=50)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--negatives", type=int, default=5)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(1)
        builders = {"minigrad": minigrad_step, "torch": torch_step}
    except ImportError:
        builders = {"minigrad": minigrad_step}
    rng = np.random.default_rng(0)
    data = [(rng.integers(1, args.vocab, args.batch), rng.integers(1, args.vocab, args.batch),
             rng.integers(1, args.vocab, (args.batch, args.negatives))) for _ in range(args.repeats + 3)]
    result = {}
    for name, build in builders.items():
        step = build(args.vocab, args.dim, args.negatives)
        times = []
        for i, batch in enumerate(data):
            start = time.perf_counter()
            step(*batch)
            if i >= 3:
                times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        result[name] = {"step_s": seconds, "pairs_per_s": args.batch / seconds,
                        "words_per_s": args.batch / seconds / PAIRS_PER_WORD}
        print(f"{name:>9}: {seconds * 1e3:6.2f} ms/step, {args.batch / seconds:9.0f} pairs/s, "
              f"~{args.batch / seconds / PAIRS_PER_WORD:8.0f} words/s")
    if "torch" in result:
        print(f"minigrad / PyTorch step time: {result['minigrad']['step_s'] / result['torch']['step_s']:.2f}")
    return result


if __name__ == "__main__":
    main()
