"""Skip-gram with negative sampling, one training step in minigrad and in PyTorch.

    python -m benchmarks.word2vec                 # V = 8100, D = 50, 4,096 pairs, k = 5

The model of examples/word_embeddings.py: sparse tables E and Θ, the target and its k
negatives looked up together, the loss -log σ(θ_tᵀ e_c) - Σ_k log σ(-θ_nᵀ e_c),
SparseAdam. Words are drawn from a Zipf law (targets) and its 3/4 power (negatives), so
a batch repeats frequent rows as real text does. Both frameworks get the same batches,
one step each in turn (interleaved rounds); the median step time gives pairs per second,
and words per second at the example's 6 targets per word.
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

PAIRS_PER_WORD = 6.0


def minigrad_step(vocab, dim, k):
    E = nn.Embedding(vocab, dim, sparse=True)
    T = nn.Embedding(vocab, dim, sparse=True)
    opt = nn.optim.SparseAdam(list(E.parameters()) + list(T.parameters()), lr=0.01)

    def step(c, t, n):
        c, words = mg.tensor(c), mg.tensor(np.concatenate([t[:, None], n], axis=1))
        scores = (T(words) * E(c).unsqueeze(1)).sum(axis=-1)
        loss = (-F.logsigmoid(scores[:, 0]).sum() - F.logsigmoid(-scores[:, 1:]).sum()) / c.shape[0]
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
    logsigmoid = torch.nn.functional.logsigmoid

    def step(c, t, n):
        c, words = torch.from_numpy(c), torch.from_numpy(np.concatenate([t[:, None], n], axis=1))
        scores = (T(words) * E(c).unsqueeze(1)).sum(-1)
        loss = (-logsigmoid(scores[:, 0]).sum() - logsigmoid(-scores[:, 1:]).sum()) / c.shape[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vocab", type=int, default=8100)
    p.add_argument("--dim", type=int, default=50)
    p.add_argument("--batch", type=int, default=4096)
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
    zipf = 1.0 / np.arange(1, args.vocab)
    unigram, noise = zipf / zipf.sum(), zipf ** 0.75 / (zipf ** 0.75).sum()
    data = [(rng.choice(args.vocab - 1, args.batch, p=unigram) + 1, rng.choice(args.vocab - 1, args.batch, p=unigram) + 1,
             rng.choice(args.vocab - 1, (args.batch, args.negatives), p=noise) + 1) for _ in range(args.repeats + 3)]
    steps = {name: build(args.vocab, args.dim, args.negatives) for name, build in builders.items()}
    times = {name: [] for name in steps}
    for i, batch in enumerate(data):
        for name, step in steps.items():  # interleaved: each round runs every framework once
            start = time.perf_counter()
            step(*batch)
            if i >= 3:
                times[name].append(time.perf_counter() - start)
    result = {}
    for name in steps:
        seconds = statistics.median(times[name])
        result[name] = {"step_s": seconds, "pairs_per_s": args.batch / seconds,
                        "words_per_s": args.batch / seconds / PAIRS_PER_WORD}
        print(f"{name:>9}: {seconds * 1e3:6.2f} ms/step, {args.batch / seconds:9.0f} pairs/s, "
              f"~{args.batch / seconds / PAIRS_PER_WORD:8.0f} words/s")
    if "torch" in result:
        print(f"minigrad / PyTorch step time: {result['minigrad']['step_s'] / result['torch']['step_s']:.2f}")
    return result


if __name__ == "__main__":
    main()
