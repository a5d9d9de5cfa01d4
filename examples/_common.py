"""What every sequence-model example shares: the command line, the progress bar,
where figures go, and the few host-side helpers for plotting and metrics.

Each example is a script with a `main(argv) -> dict` that returns its quality
figures and writes them to `<out>/metrics.json` (a flat JSON object), so
tests/test_examples.py can run it in its `--small` setting and check them, and
`python -m examples.figures` can render the docs' tables from a full run's copy.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

# The examples' matrices are small (batch x hidden), where one BLAS thread is faster
# than two, and far faster on a busy machine, where OpenBLAS threads spin waiting for
# each other. Set before NumPy loads; an explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(EXAMPLES_DIR)
if REPO_ROOT not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, REPO_ROOT)

import minigrad as mg


def default_out(name: str) -> str:
    """Where an example writes when no --out is given: examples/out/<name>, one folder
    per example, so two examples never overwrite each other's metrics.json."""
    return os.path.join(EXAMPLES_DIR, "out", name)


def parser(description: str, small_help: str, name: str | None = None) -> argparse.ArgumentParser:
    """An argument parser with the flags every example has. `name` (default: the file
    name of the calling script) picks the default --out, examples/out/<name>."""
    if name is None:
        caller = inspect.currentframe().f_back               # the example's build_parser or main
        name = os.path.splitext(os.path.basename(caller.f_code.co_filename))[0]
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", action="store_true", help=small_help)
    p.add_argument("--backend", default="numpy", choices=["numpy", "cupy"],
                   help="array backend (cupy needs `pip install -e .[cuda12]` and a GPU)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, weights and sampling")
    p.add_argument("--out", default=default_out(name),
                   help=f"folder for figures, checkpoints and metrics.json (default examples/out/{name})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def embeddings_path(args: argparse.Namespace) -> str:
    """The tables word_embeddings.py wrote, for sentiment.py and debias.py: --embeddings,
    else <out>/word_embeddings.safetensors if there is one (all three run with one --out),
    else word_embeddings.py's default folder. SystemExit says what to run first."""
    candidates = [os.path.join(args.out, "word_embeddings.safetensors"),
                  os.path.join(default_out("word_embeddings"), "word_embeddings.safetensors")]
    path = args.embeddings or next((c for c in candidates if os.path.exists(c)), candidates[-1])
    if not os.path.exists(path):
        raise SystemExit(f"no pre-trained embeddings at {path}: run examples/word_embeddings.py first "
                         "(with its default --out, or the same --out), or pass --embeddings")
    return path


def setup(args: argparse.Namespace) -> np.random.Generator:
    """Seed minigrad/nn, check the backend, make the output folder; returns the host RNG."""
    mg.manual_seed(args.seed)
    try:
        mg.tensor(0.0, backend=args.backend)
    except mg.BackendUnavailableError as exc:
        raise SystemExit(f"--backend {args.backend}: {exc}") from None
    os.makedirs(args.out, exist_ok=True)
    return np.random.default_rng(args.seed)


def progress(iterable: Iterable | None = None, total: int | None = None, desc: str = "",
             disable: bool = False):
    """A tqdm bar (to stderr); the examples show the running loss in its postfix.
    In a distributed job only rank 0 shows one."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, disable=disable or not is_main_process(),
                dynamic_ncols=True, mininterval=0.5, leave=True)


# ---- data-parallel runs (`mpiexec -n 2 python examples/<name>.py --distributed`)
def add_distributed_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of `mpiexec -n N` (NCCL with --backend cupy)")


def init_distributed(args: argparse.Namespace):
    """With --distributed: the job's communicator (minigrad.distributed.init); ranks
    other than 0 print nothing (rank-0-only logging) and, like rank 0, train on their
    own shard. Without it: None. Call it before `setup`: the NCCL communicator
    chooses this rank's GPU, which must happen before anything is put on one."""
    if not getattr(args, "distributed", False):
        return None
    import minigrad.distributed as dist

    comm = dist.init(backend=args.backend)
    if comm.rank != 0:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    print(f"data-parallel over {comm.world_size} process{'es' if comm.world_size != 1 else ''} "
          f"({comm.name})")
    return comm


def is_main_process() -> bool:
    """True alone, and on rank 0 of a distributed job: the one that logs and writes files."""
    import minigrad.distributed as dist

    return not dist.is_initialized() or dist.get_rank() == 0


def even_batches(batches: list, comm) -> list:
    """The first n batches, n the fewest any rank has: every rank then takes the same
    number of steps (and collectives), whatever its shard's size."""
    if comm is None:
        return batches
    fewest = int(comm.allreduce(np.array([len(batches)]), "min")[0])
    return batches[:fewest]


def train(optimizer, steps: int, batch_loss, *, lr_at, desc: str, disable: bool,
          clip: float = 5.0, digits: int = 4) -> dict:
    """The examples' training loop: for each step set the learning rate `lr_at(step)`,
    take `batch_loss(step)`, backpropagate, clip the gradient norm at `clip` and step,
    with a progress bar of the smoothed loss. Returns {"step": [...], "loss": [...]},
    the smoothed curve the examples draw."""
    import nn

    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    bar = progress(total=steps, desc=desc, disable=disable)
    smooth = Smoother()
    history: dict = {"step": [], "loss": []}
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        loss = batch_loss(step)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, clip)
        optimizer.step()
        value = smooth(loss.item())
        history["step"].append(step + 1)
        history["loss"].append(value)
        bar.set_postfix(loss=f"{value:.{digits}f}", refresh=False)
        bar.update()
    bar.close()
    return history


class Smoother:
    """Exponential moving average of the loss, for a readable progress bar."""

    def __init__(self, beta: float = 0.9):
        self.beta, self.value, self.count = beta, 0.0, 0

    def __call__(self, x: float) -> float:
        self.count += 1
        self.value = self.beta * self.value + (1 - self.beta) * x
        return self.value / (1 - self.beta ** self.count)


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(path: str, title: str, curves: dict[str, tuple[Sequence, Sequence]],
                xlabel: str = "step", ylabel: str = "loss") -> str:
    """One PNG with one line per curve (name -> (xs, ys)); returns the path."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for name, (xs, ys) in curves.items():
        ax.plot(xs, ys, label=name, linewidth=1.4, marker="o" if len(xs) == 1 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def host(t: mg.Tensor) -> np.ndarray:
    """A NumPy copy of a tensor (the explicit device-to-host transfer on CuPy)."""
    return t.numpy()


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a_b": 1}: metrics.json is one flat object, so a figure is
    named by one key (in the tests and in examples/figures.py's tables)."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}_"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def save_metrics(args: argparse.Namespace, name: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """Write example `name`'s figures, flattened, to `<out>/metrics.json` and return them.
    Only the main process of a distributed job writes (the others return the same dict)."""
    metrics = flatten(metrics)
    if is_main_process():
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "metrics.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:  # no half-written file on a crash
            json.dump(metrics, f, indent=2, sort_keys=True)
        os.replace(path + ".tmp", path)
    return metrics


class Timer:
    def __init__(self):
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


def precision_recall_f1(predicted: np.ndarray, target: np.ndarray, positive: int = 1) -> dict:
    """Token-level precision, recall and F1 of the `positive` tag (flat integer arrays)."""
    true_positive = int(np.sum((predicted == positive) & (target == positive)))
    predicted_positive = int(np.sum(predicted == positive))
    actual_positive = int(np.sum(target == positive))
    precision = true_positive / predicted_positive if predicted_positive else 0.0
    recall = true_positive / actual_positive if actual_positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
