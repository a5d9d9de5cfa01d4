"""Collectives between GPUs through NCCL (`cupy.cuda.nccl`), bootstrapped over MPI.

As in ChainerMN: `mpiexec` starts one process per GPU, MPI hands every rank the
NCCL unique id made on rank 0, and from then on device arrays go through NCCL
(GPU to GPU, no host copy) while host arrays, and the job's abort, still go
through MPI. NCCL calls are asynchronous on the current CUDA stream; the wait
for them polls a CUDA event against the same deadline as the MPI calls, and on
a timeout aborts NCCL and then the MPI job.

The device access (pointers, the stream, events) sits in `CupyDevice`, so the
test suite can run this communicator's logic on the strict backend with a
stand-in NCCL.
"""
from __future__ import annotations

import time
from typing import Any, NoReturn

import numpy as np

from ..backend import NUMPY, backend_of_array
from .base import Communicator
from .mpi import MpiCommunicator

_DTYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
           "int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32",
           "int64": "NCCL_INT64", "uint32": "NCCL_UINT32", "uint64": "NCCL_UINT64"}
_OPS = {"sum": "NCCL_SUM", "max": "NCCL_MAX", "min": "NCCL_MIN"}


class CupyDevice:
    """What the NCCL communicator needs from CuPy: the GPU, raw pointers, the stream."""

    def __init__(self, local_rank: int):
        import cupy

        self.cupy = cupy
        self.index = local_rank % cupy.cuda.runtime.getDeviceCount()
        cupy.cuda.Device(self.index).use()  # one GPU per process on each machine

    def pointer(self, array) -> int:
        return array.data.ptr

    def stream(self) -> int:
        return self.cupy.cuda.get_current_stream().ptr

    def record(self) -> Any:
        event = self.cupy.cuda.Event(disable_timing=True)
        event.record()
        return event

    def done(self, event) -> bool:
        return event.done

    def contiguous(self, array):
        return self.cupy.ascontiguousarray(array)


def load_nccl():
    """cupy.cuda.nccl, or an ImportError saying what is missing."""
    try:
        from cupy.cuda import nccl
    except ImportError as exc:
        raise ImportError(
            f"the NCCL communicator needs CuPy with NCCL ({exc}): from the "
            "repository root `python -m pip install -e \".[cuda12]\"` and NCCL "
            "(`python -m pip install nvidia-nccl-cu12`)"
        ) from exc
    if not getattr(nccl, "available", True):
        raise ImportError("CuPy was built without NCCL: install nvidia-nccl-cu12 (or -cu13)")
    return nccl


class NcclCommunicator(Communicator):
    """Device arrays through NCCL, host arrays through the MPI communicator `mpi`."""

    name = "nccl"

    def __init__(self, mpi: MpiCommunicator, nccl: Any = None, device: Any = None):
        super().__init__(mpi.rank, mpi.world_size, mpi.timeout)
        self.mpi = mpi
        self.nccl = load_nccl() if nccl is None else nccl
        self.device = CupyDevice(_local_rank(mpi)) if device is None else device
        unique_id = np.zeros(128, dtype=np.int64)  # NCCL_UNIQUE_ID_BYTES, as signed chars
        if self.rank == 0:
            unique_id[:] = self.nccl.get_unique_id()
        mpi.broadcast(unique_id, src=0)
        self.comm = self.nccl.NcclCommunicator(self.world_size, tuple(int(c) for c in unique_id), self.rank)

    # Host (NumPy) arrays take the MPI path; device arrays take NCCL.
    def _allreduce(self, array, op: str):
        if backend_of_array(array) is NUMPY:
            return self.mpi._allreduce(array, op)
        send = self.device.contiguous(array)
        result = _xp(array).empty_like(send)
        self.comm.allReduce(self.device.pointer(send), self.device.pointer(result), send.size,
                            self._dtype(send, "allreduce"), getattr(self.nccl, _OPS[op]), self.device.stream())
        self._wait(f"allreduce of {_describe(send)}")
        return result

    def _broadcast(self, array, src: int) -> None:
        if backend_of_array(array) is NUMPY:
            return self.mpi._broadcast(array, src)
        buffer = self.device.contiguous(array)
        self.comm.bcast(self.device.pointer(buffer), buffer.size, self._dtype(buffer, "broadcast"), src,
                        self.device.stream())
        self._wait(f"broadcast of {_describe(buffer)} from rank {src}")
        if buffer is not array:
            array[...] = buffer
        return None

    def _allgather(self, array):
        if backend_of_array(array) is NUMPY:
            return self.mpi._allgather(array)
        send = self.device.contiguous(array)
        result = _xp(array).empty((self.world_size, *send.shape), dtype=send.dtype)
        self.comm.allGather(self.device.pointer(send), self.device.pointer(result), send.size,
                            self._dtype(send, "allgather"), self.device.stream())
        self._wait(f"allgather of {_describe(send)}")
        return result

    def _barrier(self) -> None:
        self.mpi._barrier()

    def _dtype(self, array, what: str) -> int:
        name = _DTYPES.get(array.dtype.name)
        if name is None:
            raise TypeError(f"{what}: NCCL has no {array.dtype} type; use one of {', '.join(_DTYPES)}")
        return getattr(self.nccl, name)

    def _wait(self, what: str) -> None:
        """Wait for the NCCL call just queued on the stream, at most `timeout` seconds."""
        event = self.device.record()
        deadline = time.monotonic() + self.timeout
        pause = 1e-5
        while not self.device.done(event):
            if time.monotonic() > deadline:
                self.abort(f"NCCL {what} did not complete within the timeout of {self.timeout:g} s: "
                           "another rank is not taking part (it raised, hangs, or runs different code)")
            time.sleep(pause)
            pause = min(2 * pause, 1e-3)

    def abort(self, message: str) -> NoReturn:
        try:
            self.comm.abort()  # frees the GPUs of the ranks still inside NCCL
        finally:
            self.mpi.abort(message)


def _xp(array):
    return backend_of_array(array).xp


def _describe(array) -> str:
    return f"a {array.dtype} array of shape {tuple(array.shape)}"


def _local_rank(mpi: MpiCommunicator) -> int:
    """This process's index among the ranks on its own machine (which GPU it takes)."""
    return mpi.comm.Split_type(mpi.MPI.COMM_TYPE_SHARED).Get_rank()
