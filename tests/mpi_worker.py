"""What each rank runs in tests/test_distributed.py, under `mpiexec -n 2`.

    mpiexec -n 2 python tests/mpi_worker.py SCENARIO OUT_DIR

Each rank writes what it saw to OUT_DIR/rank<r>.npz (arrays) and rank<r>.json, and
the test compares them with references it computes itself, in one process without
any distributed code. The model, data and training loop are defined here once so
that both sides use exactly the same ones.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minigrad as mg
import minigrad.distributed as dist
import nn
import nn.functional as F

N, T, FEATURES, HIDDEN, CLASSES, SHARD = 80, 6, 3, 5, 3, 4
STEPS_PER_EPOCH = N // (2 * SHARD)  # 10 steps per epoch of two ranks: 20 steps in 2 epochs


class Classifier(nn.Module):
    """A many-to-one LSTM over (batch, T, features): the recurrent model of the tests."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        a, _ = self.rnn(x)
        return self.head(a[:, -1])


def build_model(seed: int = 0, backend: str = "numpy") -> Classifier:
    mg.set_default_dtype("float64")
    mg.manual_seed(seed)
    return Classifier().to(backend)


def data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, FEATURES)), rng.integers(0, CLASSES, N)


def loss_of(model, x: np.ndarray, y: np.ndarray, backend: str = "numpy") -> mg.Tensor:
    return F.cross_entropy(model(mg.tensor(x, backend=backend)), mg.tensor(y, backend=backend))


def make_optimizer(model):
    return nn.optim.Adam(model.parameters(), lr=0.05)


CLIP = 0.05  # below the gradient norms of this model, so every step clips


def train_step(model, optimizer, x, y) -> float:
    loss = loss_of(model, x, y)
    optimizer.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    optimizer.step()
    return norm.item()


def shard_batches(rank: int, epoch: int, num_replicas: int = 2):
    """This rank's batches of one epoch: SHARD indices each, from the sampler."""
    sampler = nn.parallel.DistributedSampler(range(N), num_replicas=num_replicas, rank=rank, seed=3)
    sampler.set_epoch(epoch)
    indices = sampler.indices()
    return [indices[k * SHARD:(k + 1) * SHARD] for k in range(STEPS_PER_EPOCH)]


def host(array) -> np.ndarray:
    return mg.Tensor(array).numpy()


def grads_of(model, prefix: str) -> dict:
    return {f"{prefix}/{name}": host(p.grad) for name, p in model.named_parameters()}


# ---------------------------------------------------------------------------- scenarios
def happy(comm, arrays: dict, report: dict) -> None:
    """Collectives, averaged gradients, 20 training steps and no_sync, in one job."""
    r = comm.rank
    # -- collectives on Tensors and arrays, numpy and the strict (device-like) backend
    for backend in ("numpy", "strict"):
        t = mg.tensor([r + 1.0, 2.0 * r], backend=backend)
        for op in ("sum", "mean", "max", "min"):
            out = dist.allreduce(t, op)
            report[f"allreduce_{op}_{backend}"] = [out.backend, out.numpy().tolist()]
        gathered = dist.allgather(mg.tensor([[r, 10 * r]], backend=backend))
        report[f"allgather_{backend}"] = [gathered.backend, gathered.numpy().tolist()]
        b = mg.tensor(np.full(3, float(r)), backend=backend)
        dist.broadcast(b, src=1)
        report[f"broadcast_{backend}"] = [b.backend, b.numpy().tolist()]
    view = np.arange(6.0) * (r + 1)
    dist.broadcast(view[::2], src=1)                      # a non-contiguous NumPy view, in place
    report["broadcast_view"] = view.tolist()
    report["allreduce_int"] = dist.allreduce(np.array([r + 1, 5]), "sum").tolist()
    report["objects"] = comm.allgather_object({"rank": r, "name": "x" * (r + 1)})
    dist.barrier()

    x, y = data()
    # -- one backward: averaged gradients (both backends); rank 1 starts from other weights
    for backend in ("numpy", "strict"):
        model = build_model(seed=r, backend=backend)      # different init on each rank...
        ddp = nn.parallel.DistributedDataParallel(model)  # ...made equal by the broadcast
        arrays.update({f"init_{backend}/{k}": host(v.data) for k, v in model.state_dict().items()})
        shard = slice(r * SHARD, (r + 1) * SHARD)
        loss_of(ddp, x[shard], y[shard], backend).backward()
        arrays.update(grads_of(model, f"grads_{backend}"))
        report["bytes_per_sync"] = ddp.bytes_per_sync

    # -- 20 steps of training, Adam and clip_grad_norm_ on the averaged gradient
    model = build_model()
    ddp = nn.parallel.DistributedDataParallel(model)
    optimizer = make_optimizer(model)
    norms = []
    for epoch in range(2):
        for batch in shard_batches(r, epoch):
            norms.append(train_step(ddp, optimizer, x[batch], y[batch]))
    report["norms"] = norms
    arrays.update({f"trained/{k}": host(v.data) for k, v in model.state_dict().items()})

    # -- no_sync: two local accumulations, then a synchronised third backward
    model = build_model()
    ddp = nn.parallel.DistributedDataParallel(model)
    micro = [slice(8 * k + r * SHARD, 8 * k + (r + 1) * SHARD) for k in range(3)]
    with ddp.no_sync():
        for part in micro[:2]:
            loss_of(ddp, x[part], y[part]).backward()
    arrays.update(grads_of(model, "local"))
    loss_of(ddp, x[micro[2]], y[micro[2]]).backward()
    arrays.update(grads_of(model, "accumulated"))


def mismatch(comm, arrays: dict, report: dict) -> None:
    """Rank 1 builds a wider head: both ranks must raise, naming it."""
    model = build_model()
    if comm.rank == 1:
        model.head = nn.Linear(HIDDEN, CLASSES + 1)
    started = time.monotonic()
    try:
        nn.parallel.DistributedDataParallel(model)
    except ValueError as exc:
        report["error"] = str(exc)
    report["seconds"] = time.monotonic() - started


def raises(comm, arrays: dict, report: dict) -> None:
    """Rank 1 raises before a collective that rank 0 waits in: the job must end."""
    if comm.rank == 1:
        raise RuntimeError("rank one fails on purpose")
    dist.allreduce(np.ones(3))


def hangs(comm, arrays: dict, report: dict) -> None:
    """Rank 1 never joins the collective: rank 0's timeout must end the job."""
    if comm.rank == 1:
        time.sleep(60)
    dist.allreduce(np.ones(3))


def nccl(comm, arrays: dict, report: dict) -> None:
    """On GPUs: collectives on CuPy tensors and one averaged backward, through NCCL."""
    r = comm.rank
    out = dist.allreduce(mg.tensor([r + 1.0, 2.0 * r], backend="cupy"))
    report["allreduce_sum_cupy"] = [out.backend, out.numpy().tolist()]
    x, y = data()
    model = build_model(seed=r, backend="cupy")
    ddp = nn.parallel.DistributedDataParallel(model)
    arrays.update({f"init_cupy/{k}": host(v.data) for k, v in model.state_dict().items()})
    shard = slice(r * SHARD, (r + 1) * SHARD)
    loss_of(ddp, x[shard], y[shard], "cupy").backward()
    arrays.update(grads_of(model, "grads_cupy"))


SCENARIOS = {"nccl": nccl, "happy": happy, "mismatch": mismatch, "raises": raises, "hangs": hangs}

if __name__ == "__main__":
    scenario, out = sys.argv[1], sys.argv[2]
    comm = dist.init(backend="cupy" if scenario == "nccl" else None,
                     timeout=float(os.environ.get("MINIGRAD_DIST_TIMEOUT", "30")))
    arrays, report = {}, {"world_size": comm.world_size, "communicator": comm.name}
    SCENARIOS[scenario](comm, arrays, report)
    np.savez(os.path.join(out, f"rank{comm.rank}.npz"), **arrays)
    with open(os.path.join(out, f"rank{comm.rank}.json"), "w") as f:
        json.dump(report, f)
