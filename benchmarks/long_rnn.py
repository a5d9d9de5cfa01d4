"""One training step of a vanilla RNN over a very long sequence: time and peak memory.

Run by the benchmark runner in a fresh child process per (framework, T), so the
peak resident memory of one run is not mixed with another's (allocators keep
freed memory). The peak is measured from just before the step: Linux's
/proc/self/clear_refs resets the high-water mark, /proc/self/status reads it.

    python -m benchmarks.long_rnn --framework minigrad --steps 100000
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks.workloads import recurrent_step


def _rss_bytes(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _weights(batch, input_size, hidden_size, steps, seed=0):
    from .workloads import rnn_weights

    weights = rnn_weights("rnn", input_size, hidden_size, 1, False, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((steps, batch, input_size)).astype(np.float32)
    return weights, x


def build_step(framework: str, steps: int, batch: int, input_size: int, hidden_size: int,
               fused: bool | None = None):
    """A callable running forward (mean of all outputs), backward and SGD once; returns loss."""
    weights, x = _weights(batch, input_size, hidden_size, steps)
    lr = 0.01
    if framework == "minigrad":
        import minigrad as mg
        import nn

        kwargs = {} if fused is None else {"fused": fused}
        model = nn.RNN(input_size, hidden_size, **kwargs)
        model.load_state_dict({name: mg.tensor(w) for name, w in weights.items()})
        optimizer = nn.optim.SGD(model.parameters(), lr=lr)
        inputs = mg.tensor(x)

        step = recurrent_step(model, optimizer, inputs, lambda output: output.mean())
    elif framework == "torch":
        import torch

        model = torch.nn.RNN(input_size, hidden_size)
        model.load_state_dict({name: torch.from_numpy(w.copy()) for name, w in weights.items()})
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        inputs = torch.from_numpy(x)

        step = recurrent_step(model, optimizer, inputs, lambda output: output.mean())
    elif framework == "numpy":
        from .numpy_rnn import layer_backward, layer_forward

        params = {name[:-3]: w.copy() for name, w in weights.items()}  # drop "_l0"

        def step():
            out, cache = layer_forward("rnn", x, params)
            loss = float(out.mean())
            dout = np.full(out.shape, 1.0 / out.size, dtype=out.dtype)
            _, grads = layer_backward(dout, cache)
            for name, g in grads.items():
                params[name] -= lr * g
            return loss
    else:
        raise ValueError(f"unknown framework {framework!r}")
    return step


def measure(framework: str, steps: int, batch: int, input_size: int, hidden_size: int,
            threads: int, fused: bool | None = None) -> dict:
    """Time one step and its peak memory above the memory in use just before it."""
    from .run import pin_threads

    pin_threads(threads)
    step = build_step(framework, steps, batch, input_size, hidden_size, fused)
    gc.collect()
    baseline = _rss_bytes("VmRSS")
    exact = _reset_peak()
    start = time.perf_counter()
    loss = step()
    seconds = time.perf_counter() - start
    peak = _rss_bytes("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"framework": framework, "T": steps, "seconds": seconds, "loss": loss,
            "peak_bytes": None if peak is None or baseline is None else peak - baseline,
            "peak_exact": exact}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True, choices=["minigrad", "torch", "numpy"])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--input-size", type=int, default=16)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--fused", choices=["default", "true", "false"], default="default")
    args = parser.parse_args(argv)
    fused = None if args.fused == "default" else args.fused == "true"
    result = measure(args.framework, args.steps, args.batch, args.input_size, args.hidden_size,
                     args.threads, fused)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
