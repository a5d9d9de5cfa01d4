"""Conv1d and CTC loss against PyTorch: forward + backward, from the same data.

    python -m benchmarks.audio            # the shapes of the audio examples and larger ones
    python -m benchmarks.audio --tiny     # a smoke run (seconds)

Each case is timed in minigrad and in PyTorch on the same float32 arrays, both
pinned to the same number of threads (as `python -m benchmarks`), after checking
that the two compute the same loss. The table gives median milliseconds per step
and the ratio minigrad / PyTorch; on a shared machine, quote the ratios.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if __package__ in (None, ""):  # `python benchmarks/audio.py`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "benchmarks"

import numpy as np

from .run import pin_threads

# (name, batch, in_channels, length, out_channels, kernel, options)
CONV_CASES = [
    ("speech front end", 32, 32, 150, 64, 5, {"stride": 3, "padding": 2}),
    ("trigger front end", 16, 24, 300, 48, 15, {"padding": "same"}),
    ("wide, dilated, grouped", 16, 128, 400, 128, 3, {"padding": 2, "dilation": 2, "groups": 4}),
]
# (name, T, batch, classes, target length)
CTC_CASES = [
    ("speech example", 50, 32, 11, 3),
    ("characters", 200, 16, 30, 40),
]


def _median_ms(step, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def conv_steps(batch, in_channels, length, out_channels, kernel, options):
    """minigrad and PyTorch steps: conv1d, a weighted sum, backward to x, W and b."""
    import torch

    import minigrad as mg
    import nn.functional as F

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, in_channels, length)).astype(np.float32)
    w = (rng.standard_normal((out_channels, in_channels // options.get("groups", 1), kernel)) * 0.1
         ).astype(np.float32)
    b = rng.standard_normal(out_channels).astype(np.float32)
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]

    def ours_step():
        for t in ours:
            t.grad = None
        loss = (F.conv1d(*ours, **options) ** 2).mean()
        loss.backward()
        return loss.item()

    def theirs_step():
        for t in theirs:
            t.grad = None
        loss = (torch.nn.functional.conv1d(*theirs, **options) ** 2).mean()
        loss.backward()
        return loss.item()

    return ours_step, theirs_step


def ctc_steps(steps, batch, classes, target_length):
    """minigrad and PyTorch steps: log_softmax, ctc_loss (mean), backward to the logits."""
    import torch

    import minigrad as mg
    import nn.functional as F

    rng = np.random.default_rng(0)
    logits = rng.standard_normal((steps, batch, classes)).astype(np.float32)
    targets = rng.integers(1, classes, size=(batch, target_length))
    input_lengths = rng.integers(steps // 2 + target_length, steps + 1, size=batch).tolist()
    target_lengths = rng.integers(1, target_length + 1, size=batch).tolist()
    ours, theirs = mg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours_targets, theirs_targets = mg.tensor(targets), torch.tensor(targets)

    def ours_step():
        ours.grad = None
        loss = F.ctc_loss(ours.log_softmax(axis=2), ours_targets, input_lengths, target_lengths)
        loss.backward()
        return loss.item()

    def theirs_step():
        theirs.grad = None
        loss = torch.nn.functional.ctc_loss(theirs.log_softmax(2), theirs_targets, input_lengths,
                                            target_lengths)
        loss.backward()
        return loss.item()

    return ours_step, theirs_step


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="one small case of each, few repeats")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    pin_threads(args.threads)
    repeats = args.repeats or (2 if args.tiny else 20)
    warmup = 1 if args.tiny else 3
    cases = [(f"Conv1d {name} {b}x{c}x{n} -> {o}, K={k} {opts}", conv_steps(b, c, n, o, k, opts))
             for name, b, c, n, o, k, opts in (CONV_CASES[:1] if args.tiny else CONV_CASES)]
    cases += [(f"CTC {name} T={t} N={n} C={c} S={s}", ctc_steps(t, n, c, s))
              for name, t, n, c, s in (CTC_CASES[:1] if args.tiny else CTC_CASES)]
    rows = []
    print(f"| forward + backward ({args.threads} thread) | minigrad ms | PyTorch ms | minigrad / PyTorch |")
    print("| --- | --- | --- | --- |")
    for name, (ours, theirs) in cases:
        loss_ours, loss_theirs = ours(), theirs()
        if not np.isclose(loss_ours, loss_theirs, rtol=1e-4, atol=1e-5):
            raise SystemExit(f"{name}: the losses differ ({loss_ours} vs {loss_theirs})")
        ms_ours, ms_theirs = _median_ms(ours, repeats, warmup), _median_ms(theirs, repeats, warmup)
        rows.append({"name": name, "minigrad_ms": ms_ours, "torch_ms": ms_theirs, "ratio": ms_ours / ms_theirs})
        print(f"| {name} | {ms_ours:.2f} | {ms_theirs:.2f} | {ms_ours / ms_theirs:.2f} |")
    return rows


if __name__ == "__main__":
    main()
