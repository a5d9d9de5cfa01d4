"""Time minigrad against PyTorch and a hand-written NumPy baseline, in one process.

    python -m benchmarks                       # the full set (a few minutes on 2 cores)
    python -m benchmarks --config tiny         # a smoke run: tiny shapes, seconds
    python -m benchmarks --repeats 9 --json out.json --only LSTM

Every workload is built for each framework from the same data and weights; the
first step's losses are compared (a mismatch is reported and fails the run),
then each framework is warmed up and timed over `--repeats` steps, in blocks
that take turns over three rounds, so that load from elsewhere on the machine
hits all of them alike. The table
gives the median step time and the ratios minigrad/PyTorch and minigrad/NumPy;
on a shared machine, quote ratios, not times. Threads are pinned alike: PyTorch
through `torch.set_num_threads`, NumPy's BLAS through threadpoolctl (or the
usual environment variables when threadpoolctl is missing).
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time

if __package__ in (None, ""):  # `python benchmarks/run.py`: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "benchmarks"

from . import workloads as W

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMEWORKS = ("minigrad", "torch", "numpy")
# Timed too when installed (`pip install micrograd`), as extra columns: frameworks a
# user compares us with on the workloads they can run.
OPTIONAL = {"micrograd": "micrograd.engine"}
_limits = []  # keeps threadpoolctl's limiter alive for the whole run
SETTLE_S = 0.3  # pause before each framework's block: the last one's spinning threads go idle


def pin_threads(threads: int) -> dict:
    """Give PyTorch and NumPy's BLAS the same number of threads; returns what was done."""
    done = {"threads": threads}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))  # effective for libraries loaded later
    try:
        from threadpoolctl import threadpool_info, threadpool_limits

        _limits.append(threadpool_limits(limits=threads))
        done["threadpools"] = [{k: info.get(k) for k in ("internal_api", "num_threads", "version",
                                                          "architecture")}
                               for info in threadpool_info()]
    except ImportError:
        done["threadpools"] = "threadpoolctl not installed: set through environment variables"
    try:
        import torch

        torch.set_num_threads(threads)
        done["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return done


def _available(framework: str) -> bool:
    module = {"torch": "torch", **OPTIONAL}.get(framework)
    if module is None:
        return True
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def run_workload(workload: W.Workload, repeats: int, warmup: int, frameworks: list[str]) -> dict:
    """Build, cross-check and time one workload; returns its JSON record."""
    record = {"name": workload.name, "group": workload.group, "info": workload.info,
              "loss": {}, "median_s": {}, "times_s": {}, "errors": {}}
    steps = {}
    for framework, builder in workload.builders.items():
        base = framework.split()[0]
        if base not in frameworks and not (base in OPTIONAL and _available(base)):
            continue
        try:
            steps[framework] = builder()
        except TypeError as exc:  # e.g. an option this version of minigrad lacks
            record["errors"][framework] = f"{type(exc).__name__}: {exc}"
    for framework, step in steps.items():  # the first step starts from identical weights
        record["loss"][framework] = step()
    reference = record["loss"].get("minigrad")
    record["losses_agree"] = all(
        abs(loss - reference) <= workload.rtol * max(abs(reference), 1e-6)
        for loss in record["loss"].values()
    ) if reference is not None else None
    for _ in range(warmup):
        for step in steps.values():
            step()
    # Timed in rounds, each framework in a block of consecutive steps after a pause and
    # one untimed step: PyTorch's OpenMP threads (Intel's spin for up to 200 ms,
    # KMP_BLOCKTIME) and OpenBLAS's keep spinning for a while after their last call, and
    # would steal the two cores from whichever library runs next; the pause lets them
    # go idle, as they would in a program that runs one of them. The order rotates
    # between rounds, so slow drifts in load hit all alike.
    names = list(steps)
    times = {name: [] for name in names}
    rounds = min(3, repeats)
    for round_index in range(rounds):
        shift = round_index % len(names)
        count = repeats // rounds + (round_index < repeats % rounds)
        for name in names[shift:] + names[:shift]:
            time.sleep(SETTLE_S)
            steps[name]()
            for _ in range(count):
                gc.collect()
                start = time.perf_counter()
                steps[name]()
                times[name].append(time.perf_counter() - start)
    for name in names:
        record["times_s"][name] = times[name]
        record["median_s"][name] = statistics.median(times[name])
    mg_time = record["median_s"].get("minigrad")
    record["ratio"] = {name: mg_time / t for name, t in record["median_s"].items()
                       if name != "minigrad" and mg_time is not None and t > 0}
    if workload.ops:
        record["us_per_op"] = {name: t / workload.ops * 1e6 for name, t in record["median_s"].items()}
    return record


def run_long_rnn(steps_list, sizes, threads: int, frameworks: list[str], timeout: float) -> list:
    """The long vanilla RNN, one child process per (framework, T); see long_rnn.py."""
    batch, input_size, hidden_size = sizes
    records = []
    for steps in steps_list:
        for framework in frameworks:
            command = [sys.executable, "-m", "benchmarks.long_rnn", "--framework", framework,
                       "--steps", str(steps), "--batch", str(batch), "--input-size", str(input_size),
                       "--hidden-size", str(hidden_size), "--threads", str(threads)]
            try:
                done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True,
                                      timeout=timeout)
            except subprocess.TimeoutExpired:
                records.append({"framework": framework, "T": steps, "error": f"timed out after {timeout}s"})
                continue
            if done.returncode != 0:
                records.append({"framework": framework, "T": steps,
                                "error": done.stderr.strip().splitlines()[-1:] or ["failed"]})
                continue
            records.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return records


# -- the report ----------------------------------------------------------------------------------

def _ms(seconds) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _ratio(value) -> str:
    return "—" if value is None else f"{value:.2f}×"


def table(records: list[dict]) -> str:
    """The results as a Markdown table: medians and minigrad's ratio to each framework."""
    extra = sorted({name for r in records for name in r["median_s"] if name not in FRAMEWORKS})
    header = (["workload", "minigrad", "PyTorch", "NumPy by hand"] + extra +
              ["minigrad / PyTorch", "minigrad / NumPy"] + [f"minigrad / {name}" for name in extra]
              + ["losses agree"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in records:
        med = r["median_s"]
        row = [r["name"]] + [_ms(med.get(name)) for name in FRAMEWORKS + tuple(extra)]
        row += [_ratio(r["ratio"].get(name)) for name in ("torch", "numpy") + tuple(extra)]
        row.append({True: "yes", False: "NO", None: "—"}[r["losses_agree"]])
        if "us_per_op" in r:
            row[0] += " (µs/op: " + ", ".join(f"{k} {v:.1f}" for k, v in r["us_per_op"].items()) + ")"
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def long_table(records: list[dict]) -> str:
    """Time and peak memory per (framework, T), with their growth from the previous T
    and minigrad's ratios to PyTorch at the same T."""
    header = ["framework", "T", "time", "peak memory", "time growth", "memory growth",
              "minigrad / PyTorch (time, memory)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    by_key = {(r["framework"], r["T"]): r for r in records}
    lengths = sorted({r["T"] for r in records})
    for r in records:
        if "error" in r:
            lines.append(f"| {r['framework']} | {r['T']:,} | {r['error']} | | | | |")
            continue
        position = lengths.index(r["T"])
        base = by_key.get((r["framework"], lengths[position - 1])) if position else None
        peak = r.get("peak_bytes")
        growth_t = growth_m = versus = "—"
        if base and "error" not in base:
            factor = r["T"] // base["T"]
            growth_t = f"{r['seconds'] / base['seconds']:.1f}× for {factor}× T"
            if peak and base.get("peak_bytes"):
                growth_m = f"{peak / base['peak_bytes']:.1f}×"
        torch_run = by_key.get(("torch", r["T"]))
        if r["framework"] == "minigrad" and torch_run and "error" not in torch_run:
            versus = f"{r['seconds'] / torch_run['seconds']:.2f}×"
            if peak and torch_run.get("peak_bytes"):
                versus += f", {peak / torch_run['peak_bytes']:.2f}×"
        mem = "—" if peak is None else f"{peak / 2**20:.0f} MiB"
        lines.append(f"| {r['framework']} | {r['T']:,} | {_ms(r['seconds'])} | {mem} | {growth_t} | "
                     f"{growth_m} | {versus} |")
    return "\n".join(lines)


def environment(threads_info: dict) -> dict:
    import numpy

    info = {"python": platform.python_version(), "numpy": numpy.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "pinning": threads_info}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo
                                if line.startswith("model name")), None)
    except OSError:
        info["cpu"] = None
    return info


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=["full", "tiny"], default="full",
                        help="full: the shapes of issue 6; tiny: a seconds-long smoke run")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per framework (median taken)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps after the cross-check step")
    parser.add_argument("--threads", type=int, default=2, help="threads for PyTorch and NumPy's BLAS")
    parser.add_argument("--json", default=os.path.join(ROOT, "benchmarks", "latest.json"),
                        help="where to write the JSON results ('' for nowhere)")
    parser.add_argument("--only", nargs="*", default=None, help="run workloads whose name contains one of these")
    parser.add_argument("--frameworks", nargs="*", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    parser.add_argument("--unfused", action="store_true", help="also time minigrad's fused=False cells")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cuda: the recurrent workloads on CuPy against PyTorch CUDA")
    parser.add_argument("--no-long", action="store_true", help="skip the long vanilla RNN (time and memory)")
    parser.add_argument("--long-steps", type=int, nargs="*", default=None,
                        help="sequence lengths of the long RNN (default 1000 10000 100000)")
    args = parser.parse_args(argv)

    threads_info = pin_threads(args.threads)
    frameworks = [f for f in args.frameworks if _available(f)]
    repeats = args.repeats or (2 if args.config == "tiny" else 7)
    selected = [w for w in W.build(args.config, unfused=args.unfused, device=args.device)
                if not args.only or any(s.lower() in w.name.lower() for s in args.only)]
    env = environment(threads_info)
    print(f"minigrad benchmarks ({args.config}): {env['cpu']}, {env['cpus']} CPUs, "
          f"{args.threads} threads, torch {env['torch'] or 'not installed'}, numpy {env['numpy']}, "
          f"median of {repeats}", flush=True)

    records = []
    for workload in selected:
        record = run_workload(workload, repeats, args.warmup, frameworks)
        records.append(record)
        ratios = ", ".join(f"/{k} {v:.2f}×" for k, v in record["ratio"].items())
        print(f"  {workload.name}: minigrad {_ms(record['median_s'].get('minigrad'))} {ratios}"
              + ("" if record["losses_agree"] is not False else f"  LOSSES DIFFER {record['loss']}"),
              flush=True)

    long_records = []
    if not args.no_long and args.device == "cpu" and (not args.only or any(s.lower() in "long rnn" for s in args.only)):
        steps_list = args.long_steps or ([30, 300] if args.config == "tiny" else W.LONG_RNN_STEPS)
        sizes = (2, 3, 4) if args.config == "tiny" else W.LONG_RNN_SIZES
        long_records = run_long_rnn(steps_list, sizes, args.threads, frameworks, timeout=900)

    print()
    print(table(records))
    if long_records:
        print()
        print(f"Vanilla RNN over long sequences (B, X, H) = {sizes}, one step, fresh process each:")
        print(long_table(long_records))
    result = {"config": args.config, "repeats": repeats, "environment": env,
              "workloads": records, "long_rnn": long_records,
              "long_rnn_sizes": list(sizes) if long_records else None}
    env["load_average_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=1)
        print(f"\nwrote {args.json}")
    failures = [r["name"] for r in records if r["losses_agree"] is False]
    failures += [f"long RNN {r['framework']} T={r['T']}" for r in long_records if "error" in r]
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        result["failed"] = failures
        if __name__ == "__main__" or argv is None:
            sys.exit(1)
    return result


if __name__ == "__main__":
    main()
