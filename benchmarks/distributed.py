"""Data-parallel throughput of the names language model at 1 and 2 processes.

    python -m benchmarks.distributed                 # 1 and 2 processes, ~1 minute on 2 cores
    python -m benchmarks.distributed --steps 40 --processes 1 2 --json out.json

Each setting is one `mpiexec -n P` job of examples/names_lm.py's model (LSTM,
hidden 128, embedding 32, 28 characters) training on the census names with the
global batch fixed at 64 columns × 24 characters: each of P ranks takes 64 / P
columns, so P = 2 does the same work per step in two halves (strong scaling).
Every rank uses one BLAS thread. A step is forward, loss, backward (gradients
averaged by DistributedDataParallel: one allreduce of one flat float32 buffer),
gradient clipping and Adam. The table gives the median step time over the ranks'
slowest, how much of it rank 0 spent in the gradient allreduce (sending, and
waiting for the slower rank), that allreduce timed alone with every rank ready
(the most that overlapping it with backward could save), the throughput in characters per second, the
speed-up over one process and the bytes each rank allreduces per step.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, BPTT, HIDDEN, EMBED = 64, 24, 128, 32


def worker(steps: int, warmup: int, hidden: int) -> None:
    """One rank: time `steps` training steps, rank 0 prints one JSON line."""
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    import names_lm
    import numpy as np

    import minigrad as mg
    import minigrad.distributed as dist
    import nn
    import nn.functional as F

    comm = dist.init()
    mg.manual_seed(0)
    words = names_lm.load_names()
    vocab = names_lm.Vocabulary.from_words(words)
    model = names_lm.CharLM(len(vocab), EMBED, hidden)
    ddp = nn.parallel.DistributedDataParallel(model)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    sampler = nn.parallel.DistributedSampler(words, seed=0)
    batches = names_lm.epoch_batches(words, vocab, BATCH, BPTT, np.random.default_rng(0),
                                     sampler if comm.world_size > 1 else None, comm)
    times, waits, state = [], [], None
    spent = [0.0]                           # time inside the gradient allreduce (and waiting in it)
    allreduce = comm.allreduce

    def timed_allreduce(x, op="sum"):
        start = time.perf_counter()
        result = allreduce(x, op)
        spent[0] += time.perf_counter() - start
        return result

    comm.allreduce = timed_allreduce
    for index, (x, y) in enumerate(batches):
        if index == warmup + steps:
            break
        comm.barrier()                      # every rank starts the step together
        spent[0] = 0.0
        start = time.perf_counter()
        logits, state = ddp(mg.tensor(x), state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), mg.tensor(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        state = nn.utils.detach_state(state)
        loss.item()
        elapsed, waited = time.perf_counter() - start, spent[0]
        slowest = allreduce(np.array([elapsed]), "max")[0]
        if index >= warmup:
            times.append(float(slowest))
            waits.append(waited)
    # The gradients' allreduce on its own, every rank ready: the most that overlapping it
    # with the backward pass could save per step.
    flat, alone = np.zeros(ddp.bytes_per_sync // 4, dtype=np.float32), []
    for _ in range(20 if comm.world_size > 1 else 0):
        comm.barrier()
        start = time.perf_counter()
        allreduce(flat)
        alone.append(time.perf_counter() - start)
    if comm.rank == 0:
        print(json.dumps({"processes": comm.world_size, "communicator": comm.name,
                          "allreduce_alone_s": statistics.median(alone) if alone else 0.0,
                          "step_s": statistics.median(times), "times_s": times,
                          "allreduce_s": statistics.median(waits),
                          "bytes_allreduced_per_step": ddp.bytes_per_sync if comm.world_size > 1 else 0,
                          "chars_per_step": BATCH * BPTT}))


def mpiexec() -> str:
    for folder in (os.path.dirname(sys.executable), sysconfig.get_path("scripts")):
        candidate = os.path.join(folder, "mpiexec")
        if os.access(candidate, os.X_OK):
            return candidate
    return "mpiexec"


def run(processes: int, steps: int, warmup: int, hidden: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=ROOT)
    command = [mpiexec(), "-n", str(processes), sys.executable, "-m", "benchmarks.distributed", "--worker",
               "--steps", str(steps), "--warmup", str(warmup), "--hidden", str(hidden)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=30, help="timed steps per setting")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--hidden", type=int, default=HIDDEN, help="LSTM hidden size")
    p.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    p.add_argument("--json", default="", help="also write the results here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.steps, args.warmup, args.hidden)
        return []
    results = [run(n, args.steps, args.warmup, args.hidden) for n in args.processes]
    base = results[0]["step_s"]  # speed-ups relative to the first setting (1 process)
    print(f"names LM (LSTM {args.hidden}), global batch {BATCH} x {BPTT} characters, one BLAS thread a process\n")
    print("| processes | step (ms) | of which in the allreduce (ms) | the allreduce alone (ms) "
          "| characters/s | speed-up | bytes allreduced / step |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        r["chars_per_s"] = r["chars_per_step"] / r["step_s"]
        r["speedup"] = base / r["step_s"]
        print(f"| {r['processes']} | {1e3 * r['step_s']:.1f} | {1e3 * r['allreduce_s']:.1f} | "
              f"{1e3 * r['allreduce_alone_s']:.2f} | "
              f"{r['chars_per_s']:.0f} | {r['speedup']:.2f} | "
              f"{r['bytes_allreduced_per_step']:,} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
