"""nn.parallel and minigrad.distributed in one process: the sampler against PyTorch's,
the wrapper's start-up check, the single-process communicator and the engine hook the
wrapper averages in. (The multi-process behaviour is tests/test_distributed.py.)"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import host

import minigrad as mg
import minigrad.distributed as dist
import nn
from minigrad.distributed.single import SingleProcessCommunicator


# ---------------------------------------------------------------------------- the engine hook
def test_post_accumulate_hooks_run_once_per_backward_after_every_grad_is_written(backend):
    a = mg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    b = mg.tensor([3.0], requires_grad=True, backend=backend)
    seen = []

    def hook(t):  # every leaf's grad is final already, whichever leaf is called first
        seen.append((t is a, host(a.grad).tolist(), host(b.grad).tolist()))

    handles = [a.register_post_accumulate_grad_hook(hook), b.register_post_accumulate_grad_hook(hook)]
    ((a * a).sum() * b).sum().backward()
    assert sorted(seen) == [(False, [6.0, 12.0], [5.0]), (True, [6.0, 12.0], [5.0])]
    seen.clear()
    ((a * a).sum() * b).sum().backward()              # accumulated: the hook sees the sum
    assert min(seen)[1:] == ([12.0, 24.0], [10.0])
    seen.clear()
    mg.grad((a * b).sum(), [a])                       # mg.grad writes no .grad: no hook
    assert seen == []
    for handle in handles:
        handle.remove()
        handle.remove()                               # again: a no-op
    (a.sum() * b).sum().backward()
    assert seen == []


def test_post_accumulate_hooks_only_on_leaves_that_require_grad():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).register_post_accumulate_grad_hook(print)


# ---------------------------------------------------------------------------- the sampler
@pytest.mark.parametrize("length", [1, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 2, 3, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_shards_as_pytorch(torch, length, replicas, drop_last):
    from torch.utils.data import DistributedSampler as TorchSampler

    if drop_last and length < replicas:
        return  # PyTorch gives every rank nothing; so do we (checked below)
    for rank in range(replicas):
        ours = nn.parallel.DistributedSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(length), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("length,replicas", [(10, 2), (11, 3), (4, 4)])
def test_shuffled_shards_are_disjoint_equal_and_reshuffled_by_epoch(length, replicas):
    samplers = [nn.parallel.DistributedSampler(range(length), replicas, r, seed=7) for r in range(replicas)]
    epochs, first = [], samplers[0].indices().tolist()
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        shards = [s.indices() for s in samplers]
        assert len({len(shard) for shard in shards}) == 1
        together = np.concatenate(shards)
        assert set(together.tolist()) == set(range(length))        # every index, padded ones repeated
        assert len(together) - len(set(together.tolist())) == (-length) % replicas
        epochs.append(together.tolist())
    assert epochs[0] != epochs[1] != epochs[2]
    again = nn.parallel.DistributedSampler(range(length), replicas, 0, seed=7)   # the same seed, anew
    assert list(again) == first


def test_sampler_rank_out_of_range():
    with pytest.raises(ValueError, match="rank 2 is out of range for num_replicas 2"):
        nn.parallel.DistributedSampler(range(4), num_replicas=2, rank=2)


# ---------------------------------------------------------------------------- the wrapper alone
def _model(dtype="float64"):
    mg.set_default_dtype(dtype)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_alone_the_wrapper_leaves_gradients_and_names_as_they_are(backend):
    model, reference = _model().to(backend), _model().to(backend)
    reference.load_state_dict(model.state_dict())
    ddp = nn.parallel.DistributedDataParallel(model)
    x = mg.randn(5, 3, dtype="float64", backend=backend)
    ddp(x).sum().backward()
    reference(x).sum().backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_array_equal(host(p.grad), host(q.grad), err_msg=name)
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]   # PyTorch's keys
    assert ddp.bytes_per_sync == 8 * (3 * 4 + 4 + 4 * 2 + 2 + 4)
    with ddp.no_sync():
        ddp(x).sum().backward()
    assert ddp._require_sync


def test_the_wrapper_takes_modules_only():
    with pytest.raises(TypeError, match="wraps an nn.Module, got list"):
        nn.parallel.DistributedDataParallel([nn.Linear(2, 2)])


class TwoRankView(SingleProcessCommunicator):
    """A world of two as rank 0 sees the start-up exchange: rank 1 sends `theirs`."""

    def __init__(self, theirs):
        super().__init__()
        self.world_size, self.theirs = 2, theirs

    def allgather_object(self, obj):
        return [obj, self.theirs(obj)]


@pytest.mark.parametrize("change,expected", [
    (lambda d: [d[0], [*d[1][:2], [5], "float64", "numpy"], *d[2:]],
     ("parameter '0.bias' of shape (4,), float64 on numpy on rank 0, but parameter '0.bias' of shape (5,), "
     "float64 on numpy on rank 1")),
    (lambda d: [[*d[0][:3], "float32", "numpy"], *d[1:]],
     ("parameter '0.weight' of shape (4, 3), float64 on numpy on rank 0, but parameter '0.weight' of shape "
     "(4, 3), float32 on numpy on rank 1")),
    (lambda d: [d[0], ["parameter", "0.b", *d[1][2:]], *d[2:]], "but parameter '0.b' of shape (4,)"),
    (lambda d: d[:-1], "rank 0 has 4 parameters and buffers, rank 1 has 3; only rank 0 has parameter '2.bias'"),
    (lambda d: [*d, ["buffer", "extra", [2], "float64", "numpy"]],
     "only rank 1 has buffer 'extra' of shape (2,), float64 on numpy"),
])
def test_the_start_up_check_names_the_first_difference(change, expected):
    model = _model()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="the ranks hold different models; first difference") as info:
        nn.parallel.DistributedDataParallel(model, communicator=TwoRankView(change))
    assert expected in str(info.value)
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())  # untouched


def test_the_start_up_check_passes_equal_models():
    ddp = nn.parallel.DistributedDataParallel(_model(), communicator=TwoRankView(lambda d: d))
    assert ddp.communicator.world_size == 2


# ---------------------------------------------------------------------------- the communicator alone
def test_single_process_collectives(backend):
    comm = SingleProcessCommunicator()
    t = mg.tensor([1.0, 2.0], backend=backend)
    for op in ("sum", "mean", "max", "min"):
        out = comm.allreduce(t, op)
        assert isinstance(out, mg.Tensor) and out.backend == backend and out is not t
        assert host(out).tolist() == [1.0, 2.0]
    assert host(comm.allgather(t)).tolist() == [[1.0, 2.0]]
    assert comm.broadcast(t) is t
    assert comm.allgather_object({"a": [1, "b"]}) == [{"a": [1, "b"]}]
    comm.barrier()


@pytest.mark.parametrize("call,error,match", [
    (lambda c: c.allreduce(mg.tensor([1.0]), "prod"), ValueError, "unknown op 'prod'; expected one of sum"),
    (lambda c: c.allreduce(np.array([1, 2]), "mean"), TypeError, "needs a floating array, got int64"),
    (lambda c: c.allreduce([1.0, 2.0]), TypeError, "expected a Tensor or a NumPy/CuPy array, got list"),
    (lambda c: c.broadcast(np.zeros(2), src=1), ValueError, "rank 1 is out of range for world_size 1"),
])
def test_collective_errors_name_the_call(call, error, match):
    with pytest.raises(error, match=match):
        call(SingleProcessCommunicator())


def test_init_alone_is_the_single_process_communicator(monkeypatch):
    monkeypatch.setitem(dist._current, "communicator", None)   # restored afterwards
    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert not dist.launched_by_mpi()
    comm = dist.init()
    assert comm.name == "single" and (dist.get_rank(), dist.get_world_size()) == (0, 1)
    assert dist.init() is comm and dist.init("single") is comm and dist.is_initialized()
    with pytest.raises(RuntimeError, match="already has the 'single' communicator"):
        dist.init("mpi")
    monkeypatch.setenv("PMI_SIZE", "2")
    assert dist.launched_by_mpi()


def test_init_rejects_unknown_communicators(monkeypatch):
    monkeypatch.setitem(dist._current, "communicator", None)
    with pytest.raises(ValueError, match="unknown communicator 'gloo'"):
        dist.init("gloo")


# ---------------------------------------------------------------------------- two ranks as threads
PRESETS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
OPTIMIZERS = {
    "sgd": lambda p: nn.optim.SGD(p, lr=0.1),
    "sgd-nesterov": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: nn.optim.Adam(p, lr=0.02, weight_decay=1e-3),
    "adamw": lambda p: nn.optim.AdamW(p, lr=0.02, weight_decay=0.1),
}


class Reader(nn.Module):
    def __init__(self, preset: str):
        super().__init__()
        self.rnn = PRESETS[preset](3, 4, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_two_ranks_train_like_one_process_with_every_preset_and_optimizer(preset, optimizer):
    from thread_world import ThreadCommunicator, ThreadWorld, run_ranks

    mg.set_default_dtype("float64")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 8, 6, 3)), rng.integers(0, 3, (5, 8))   # 5 steps of 8 sequences
    models = []
    for seed in (0, 1, 0):                          # rank 0, rank 1 (other weights), the reference
        mg.manual_seed(seed)
        models.append(Reader(preset))

    def train(model, comm, part):
        trainer = nn.parallel.DistributedDataParallel(model, communicator=comm) if comm else model
        opt = OPTIMIZERS[optimizer](model.parameters())
        for step in range(5):
            loss = nn.functional.cross_entropy(trainer(mg.tensor(x[step, part])), mg.tensor(y[step, part]))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
        return {name: p.numpy() for name, p in model.named_parameters()}

    world = ThreadWorld(2)
    ranks = run_ranks(lambda r: train(models[r], ThreadCommunicator(world, r), slice(4 * r, 4 * r + 4)))
    reference = train(models[2], None, slice(0, 8))
    for name, value in reference.items():
        for got in ranks:
            np.testing.assert_allclose(got[name], value, rtol=1e-9, atol=1e-12, err_msg=name)
