"""The NCCL communicator, without a GPU: its logic on the strict backend.

Two ranks run as two threads of this process. A stand-in for `cupy.cuda.nccl`
does what NCCL does with the raw pointers it is handed (resolved through a
stand-in device that hands out pointers to strict arrays, the backend that
refuses every implicit host copy, as CuPy does), and checks every argument:
element counts, NCCL dtype codes, the stream. The bootstrap communicator is a
thread-based host world in place of MPI. So the unique-id bootstrap, the
routing (device arrays to NCCL, host arrays to the host communicator), the
timeout and abort, and DistributedDataParallel over NCCL all run here; only
NCCL itself is missing. `test_nccl_on_real_gpus` runs the real thing when CuPy
sees a CUDA device.
"""
from __future__ import annotations

import functools
import threading
from typing import ClassVar

import mpi_worker as W
import numpy as np
import pytest
from thread_world import Aborted, ThreadCommunicator, ThreadWorld

import minigrad as mg
import nn
from minigrad.distributed.nccl import NcclCommunicator
from minigrad.strict_backend import StrictArray


class StrictDevice:
    """Pointers, stream and events, for strict arrays standing in for CuPy's."""

    STREAM = 0x5EED

    def __init__(self, hang: bool = False):
        self.arrays: dict[int, StrictArray] = {}
        self.hang = hang

    def pointer(self, array) -> int:
        assert type(array) is StrictArray, f"NCCL was handed a {type(array).__name__}"
        self.arrays[id(array)] = array
        return id(array)

    def stream(self) -> int:
        return self.STREAM

    def record(self):
        return object()

    def done(self, event) -> bool:
        return not self.hang

    def contiguous(self, array):
        return mg.get_array_module(array).ascontiguousarray(array)


class FakeNccl:
    """`cupy.cuda.nccl`'s surface: constants (NCCL's codes), get_unique_id, NcclCommunicator."""

    NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64 = range(6)
    NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64 = 6, 7, 8
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = range(4)
    CODES: ClassVar[dict] = {"int8": 0, "uint8": 1, "int32": 2, "uint32": 3, "int64": 4, "uint64": 5,
             "float16": 6, "float32": 7, "float64": 8}

    def __init__(self, world: ThreadWorld, device: StrictDevice):
        self.world, self.device, self.calls, self.aborted = world, device, [], False

    @staticmethod
    def get_unique_id() -> tuple:
        return tuple(range(-64, 64))

    def NcclCommunicator(self, ndev: int, comm_id: tuple, rank: int):
        assert ndev == self.world.size and comm_id == self.get_unique_id()
        self.rank = rank
        return self

    def _arrays(self, *pointers):
        return [self.device.arrays[p] for p in pointers]

    def _check(self, array, count, dtype, stream):
        assert array.size == count and self.CODES[array.dtype.name] == dtype
        assert stream == StrictDevice.STREAM

    def allReduce(self, send, recv, count, dtype, op, stream):
        send, recv = self._arrays(send, recv)
        self._check(send, count, dtype, stream)
        assert recv.size == count and recv is not send
        self.calls.append(("allReduce", count))
        reduce = {self.NCCL_SUM: np.add, self.NCCL_MAX: np.maximum, self.NCCL_MIN: np.minimum}[op]
        recv[...] = StrictArray(functools.reduce(reduce, self.world.exchange(self.rank, send.get())))

    def bcast(self, buffer, count, dtype, root, stream):
        (buffer,) = self._arrays(buffer)
        self._check(buffer, count, dtype, stream)
        self.calls.append(("bcast", count))
        buffer[...] = StrictArray(self.world.exchange(self.rank, buffer.get())[root])

    def allGather(self, send, recv, count, dtype, stream):
        send, recv = self._arrays(send, recv)
        self._check(send, count, dtype, stream)
        assert recv.size == count * self.world.size
        self.calls.append(("allGather", count))
        recv[...] = StrictArray(np.stack(self.world.exchange(self.rank, send.get())).reshape(recv.shape))

    def abort(self):
        self.aborted = True


def run_ranks(body, size: int = 2, hang: bool = False) -> list:
    """body(rank, communicator, fake_nccl) on `size` threads; returns each rank's result."""
    nccl_world, host_world = ThreadWorld(size), ThreadWorld(size)
    results, errors = [None] * size, []

    def rank_main(rank):
        try:
            device = StrictDevice(hang)
            fake = FakeNccl(nccl_world, device)
            comm = NcclCommunicator(ThreadCommunicator(host_world, rank, timeout=0.2 if hang else 20),
                                    nccl=fake, device=device)
            results[rank] = body(rank, comm, fake)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]
    return results


def test_collectives_route_device_arrays_through_nccl_and_host_arrays_through_mpi():
    def body(rank, comm, fake):
        device = mg.tensor([rank + 1.0, 2.0 * rank], backend="strict")
        out = {op: comm.allreduce(device, op) for op in ("sum", "mean", "max", "min")}
        gathered = comm.allgather(mg.tensor([[rank, 10 * rank]], dtype="int64", backend="strict"))
        b = mg.tensor(np.full(3, float(rank), dtype=np.float32), backend="strict")
        comm.broadcast(b, src=1)
        nccl_calls = len(fake.calls)
        host = comm.allreduce(np.array([rank + 1.0]))                     # host: not NCCL
        return out, gathered, b, nccl_calls, len(fake.calls), host

    for out, gathered, b, nccl_calls, calls_after_host, host in run_ranks(body):
        assert {k: (v.backend, v.numpy().tolist()) for k, v in out.items()} == {
            "sum": ("strict", [3.0, 2.0]), "mean": ("strict", [1.5, 1.0]),
            "max": ("strict", [2.0, 2.0]), "min": ("strict", [1.0, 0.0])}
        assert gathered.backend == "strict" and gathered.numpy().tolist() == [[[0, 0]], [[1, 10]]]
        assert b.backend == "strict" and b.dtype == np.float32 and b.numpy().tolist() == [1.0] * 3
        assert nccl_calls == 6 and calls_after_host == nccl_calls and host.tolist() == [3.0]


@pytest.mark.parametrize("backend_dtype", ["int16", "bool"])
def test_a_dtype_nccl_lacks_is_refused_by_name(backend_dtype):
    def body(rank, comm, fake):
        with pytest.raises(TypeError, match=f"NCCL has no {backend_dtype} type"):
            comm.allreduce(mg.tensor(np.zeros(2, dtype=backend_dtype), backend="strict"))
        return True

    assert run_ranks(body, size=1) == [True]


def test_distributed_data_parallel_over_nccl_averages_bitwise(monkeypatch):
    # The ranks run on the strict backend, whose recurrent gate math goes through xp; the
    # NumPy reference must do the same arithmetic to agree bit for bit.
    monkeypatch.setattr("nn.recurrent.compiled.enabled", False)
    x, y = W.data()
    models = [W.build_model(seed=r, backend="strict") for r in range(2)]
    initial = {k: v.numpy() for k, v in models[0].state_dict().items()}

    def body(rank, comm, fake):
        ddp = nn.parallel.DistributedDataParallel(models[rank], communicator=comm)
        shard = slice(rank * W.SHARD, (rank + 1) * W.SHARD)
        loss = W.loss_of(ddp, x[shard], y[shard], "strict")
        loss.backward()
        return {n: p.grad for n, p in models[rank].named_parameters()}, fake.calls

    results = run_ranks(body)
    shard_grads = []
    for r in range(2):
        reference = W.build_model()
        reference.load_state_dict(initial)                      # rank 0's weights, broadcast to rank 1
        W.loss_of(reference, x[r * W.SHARD:(r + 1) * W.SHARD], y[r * W.SHARD:(r + 1) * W.SHARD]).backward()
        shard_grads.append({n: p.grad for n, p in reference.named_parameters()})
    for grads, calls in results:
        # the start-up check's metadata went over the host; weights and gradients: one call each
        assert [c[0] for c in calls] == ["bcast", "allReduce"], calls
        for name, grad in grads.items():
            assert type(grad) is StrictArray
            np.testing.assert_array_equal(grad.get(), (shard_grads[0][name] + shard_grads[1][name]) / 2)


def test_a_nccl_call_that_never_completes_aborts_nccl_then_the_job():
    def body(rank, comm, fake):
        with pytest.raises(Aborted, match=r"NCCL allreduce of a float64 array of shape \(2,\) did not "
                                          r"complete within the timeout of 0.2 s"):
            comm.allreduce(mg.tensor([1.0, 2.0], dtype="float64", backend="strict"))
        return fake.aborted

    assert run_ranks(body, size=1, hang=True) == [True]


@pytest.mark.cuda
def test_nccl_on_real_gpus(tmp_path):
    cupy = pytest.importorskip("cupy")
    try:
        gpus = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - no driver, no device
        pytest.skip(f"no CUDA device: {exc}")
    if not gpus:
        pytest.skip("no CUDA device")
    from test_distributed import ranks, run_job

    size = min(2, gpus)
    done, _ = run_job("nccl", tmp_path, size=size)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for report, arrays in ranks(tmp_path, size):
        assert report["communicator"] == "nccl"
        assert report["allreduce_sum_cupy"] == ["cupy", [size * (size + 1) / 2, size * (size - 1) * 1.0]]
        x, y = W.data()
        shard_grads = []
        for r in range(size):
            reference = W.build_model()
            reference.load_state_dict({k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("init_cupy/")})
            W.loss_of(reference, x[r * W.SHARD:(r + 1) * W.SHARD], y[r * W.SHARD:(r + 1) * W.SHARD]).backward()
            shard_grads.append({n: p.grad for n, p in reference.named_parameters()})
        for name in shard_grads[0]:
            expected = sum(g[name] for g in shard_grads) / size
            np.testing.assert_allclose(arrays[f"grads_cupy/{name}"], expected, rtol=1e-9, atol=1e-12)
