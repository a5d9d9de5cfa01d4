"""The scalar chain's cost per op, split into forward and backward, next to the least
a backward walk over minigrad's nodes can cost.

    python -m benchmarks.scalar_floor [--ops 10000] [--rounds 15]

Why: issue 16 asks that a chain of scalar ops cost no more per op than micrograd. This
script measures the parts separately, so the gap can be located and not just quoted:
- forward: recording the chain (minigrad and micrograd);
- backward: minigrad's engine and micrograd's `backward()`;
- floor: minigrad's recorded graph walked by the least any engine must do on these nodes.
  That is: count each node's consumers, hand a node out once all of them have sent their
  gradient, and add up the gradients per node. It skips everything else: version checks,
  hooks, anomaly mode, freeing, and the ops' math (each node passes its gradient on
  unchanged).

If the floor alone costs about what micrograd's whole backward costs, then no tuning of
the checks or of the ops' backward formulas can meet the target on these nodes.

The collector is off while timing (as `timeit` does), so the garbage collector does not
depend on whatever else is on the heap. The rounds are interleaved and the medians are
reported, as in the main runner.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.workloads import micrograd_tanh, scalar_chain
from minigrad.walk import count_consumers, gradient_inputs


def floor_walk(root) -> int:
    """Walk `root`'s graph as the engine must, and do nothing else; returns the number
    of nodes run. The engine's own consumer count (minigrad.walk), then no checks and no
    math: each node passes the gradient it got to each input that requires grad."""
    start = root._creator
    counts = count_consumers([start], gradient_inputs)  # (the call the engine makes)
    pending = {start: root._data}
    ready, ran = [start], 0
    while ready:  # a node runs once every consumer has sent its gradient
        node = ready.pop()
        grad = pending.pop(node)
        ran += 1
        for t in node.inputs:
            if not t._requires_grad:
                continue
            parent = t._creator
            if parent is None:
                continue
            count = counts[parent] - 1
            counts[parent] = count
            if not count:
                ready.append(parent)
            pending[parent] = pending[parent] + grad if parent in pending else grad
    return ran


def measure(ops: int = 10_000, rounds: int = 15) -> dict:
    """Microseconds per op (medians over interleaved rounds), and the ratios to micrograd
    where it is installed (`pip install micrograd`; without it, minigrad's figures only)."""
    import minigrad as mg

    try:
        from micrograd.engine import Value
    except ImportError:
        Value = None
    names = ["minigrad forward", "minigrad backward", "floor walk"]
    if Value is not None:
        tanh = micrograd_tanh()
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * ops))  # its recursive sort
        names += ["micrograd forward", "micrograd backward"]
    times: dict = {name: [] for name in names}
    x = mg.tensor(0.25, requires_grad=True)

    def timed(name, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        times[name].append(time.perf_counter() - start)
        return out

    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            x.grad = None
            y = timed("minigrad forward", scalar_chain, x, mg.tanh, ops)
            timed("minigrad backward", y.backward)
            ran = timed("floor walk", floor_walk, scalar_chain(x, mg.tanh, ops))
            if Value is not None:
                v = timed("micrograd forward", scalar_chain, Value(0.25), tanh, ops)
                timed("micrograd backward", v.backward)
                del v
            del y
            gc.collect()
    finally:
        if enabled:
            gc.enable()
    per_op = {name: statistics.median(ts) / ops * 1e6 for name, ts in times.items()}
    ratios = {}
    if Value is not None:
        ratios = {
            "forward": per_op["minigrad forward"] / per_op["micrograd forward"],
            "backward": per_op["minigrad backward"] / per_op["micrograd backward"],
            "floor / micrograd backward": per_op["floor walk"] / per_op["micrograd backward"],
            "total": (per_op["minigrad forward"] + per_op["minigrad backward"])
            / (per_op["micrograd forward"] + per_op["micrograd backward"]),
        }
    return {"ops": ops, "rounds": rounds, "nodes_walked": ran, "us_per_op": per_op,
            "ratios": ratios}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", default="", help="where to write the result ('' for nowhere)")
    args = parser.parse_args(argv)
    result = measure(args.ops, args.rounds)
    for name, value in result["us_per_op"].items():
        print(f"{name:20s} {value:6.2f} µs/op")
    for name, value in result["ratios"].items():
        print(f"{name:28s} {value:5.2f}×")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=1)
    return result


if __name__ == "__main__":
    main()
