"""Collectives between processes started by `mpiexec`, through mpi4py.

Only buffer-based calls (mpi4py's upper-case `Iallreduce`, `Ibcast`,
`Iallgather`, `Ibarrier`) on contiguous NumPy arrays: nothing is pickled. Device
arrays are copied to the host and back explicitly (MPI libraries are not
reliably CUDA-aware; on GPUs use the NCCL communicator). Each call is
non-blocking and polled against a deadline, so a collective that another rank
never joins ends the job with a message instead of hanging.
"""
from __future__ import annotations

import time
from typing import NoReturn

import numpy as np

from ..backend import NUMPY
from .base import DEFAULT_TIMEOUT, Communicator, host_copy, print_to_stderr

# How long an aborting rank waits after printing why, so that mpiexec forwards the
# message (and the traceback before it) before it tears the job down.
ABORT_GRACE_SECONDS = 0.5


def load_mpi():
    """mpi4py's MPI module, or an ImportError saying how to install it."""
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as exc:  # RuntimeError: mpi4py without an MPI library
        raise ImportError(
            f"minigrad.distributed needs mpi4py and an MPI library ({exc}); install both with "
            "`pip install minigrad[mpi]` (mpi4py and MPICH from PyPI)"
        ) from exc
    return MPI


class MpiCommunicator(Communicator):
    """The processes of an MPI communicator (COMM_WORLD unless given)."""

    name = "mpi"

    def __init__(self, comm=None, timeout: float = DEFAULT_TIMEOUT):
        self.MPI = load_mpi()
        self.comm = self.MPI.COMM_WORLD if comm is None else comm
        super().__init__(self.comm.Get_rank(), self.comm.Get_size(), timeout)
        self._ops = {"sum": self.MPI.SUM, "max": self.MPI.MAX, "min": self.MPI.MIN}

    def _allreduce(self, array, op: str):
        send, backend = host_copy(array)
        result = np.empty_like(send)
        self.wait(self.comm.Iallreduce(send, result, op=self._ops[op]), f"allreduce of {_describe(send)}")
        return result if backend is NUMPY else backend.from_host(result)

    def _broadcast(self, array, src: int) -> None:
        buffer, backend = host_copy(array)
        self.wait(self.comm.Ibcast(buffer, root=src), f"broadcast of {_describe(buffer)} from rank {src}")
        if buffer is not array:  # a device array, or a non-contiguous view: copy back in place
            array[...] = buffer if backend is NUMPY else backend.from_host(buffer)

    def _allgather(self, array):
        send, backend = host_copy(array)
        result = np.empty((self.world_size, *send.shape), dtype=send.dtype)
        self.wait(self.comm.Iallgather(send, result), f"allgather of {_describe(send)}")
        return result if backend is NUMPY else backend.from_host(result)

    def _barrier(self) -> None:
        self.wait(self.comm.Ibarrier(), "barrier")

    def wait(self, request, what: str) -> None:
        """Poll `request` until it completes; past the timeout, abort the job."""
        deadline = time.monotonic() + self.timeout
        pause = 1e-5
        while not request.Test():
            if time.monotonic() > deadline:
                self.abort(
                    f"{what} did not complete within the timeout of {self.timeout:g} s: another rank "
                    "is not taking part (it raised, hangs, or runs different code). Raise the "
                    "limit with minigrad.distributed.init(timeout=...) or MINIGRAD_DIST_TIMEOUT."
                )
            time.sleep(pause)
            pause = min(2 * pause, 1e-3)

    def abort(self, message: str) -> NoReturn:
        print_to_stderr(self._abort_message(message) + "\nAborting the job (MPI_Abort).")
        time.sleep(ABORT_GRACE_SECONDS)  # mpiexec drops output it has not forwarded yet when it kills
        self.comm.Abort(1)
        raise SystemExit(1)  # pragma: no cover - Abort does not return


def _describe(array: np.ndarray) -> str:
    return f"a {array.dtype} array of shape {tuple(array.shape)}"
