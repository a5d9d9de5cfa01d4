"""What every communicator shares: the public collectives on Tensors and arrays.

A communicator joins `world_size` processes, each knowing its own `rank`. The
collectives here take a Tensor or a backend array (NumPy, CuPy) and hand the raw
array to the subclass, which moves it with buffer-based calls of its library
(mpi4py's upper-case methods, NCCL on device pointers): an array is never
pickled. Every collective waits at most `timeout` seconds; a rank that waits
longer ends the whole job with a message saying which collective and rank,
instead of hanging forever (the usual end of a rank that raised, or that runs
other code).
"""
from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import numpy as np

from ..backend import NUMPY, backend_of_array
from ..tensor import Tensor

OPS = ("sum", "mean", "max", "min")
DEFAULT_TIMEOUT = 300.0


class Communicator:
    """Base class: `rank`, `world_size`, `timeout` and the collectives.

    Subclasses implement `_allreduce(array, op) -> array` (op in sum/max/min),
    `_broadcast(array, src)` (in place), `_allgather(array) -> array` of shape
    (world_size, *array.shape), `_barrier()` and `abort(message)`.

    Run alone, `init()` gives the `SingleProcessCommunicator`; under `mpiexec`, MPI's (or
    NCCL's) communicator. The collectives are torch.distributed's, as methods.

    Args:
        rank: this process's number, 0 to world_size - 1.
        world_size: the number of processes.
        timeout: seconds any collective may wait before the job is aborted.

    Examples:
        >>> import minigrad.distributed as dist
        >>> comm = dist.SingleProcessCommunicator()
        >>> comm
        SingleProcessCommunicator(rank=0, world_size=1, timeout=300)
        >>> isinstance(comm, dist.Communicator), comm.rank, comm.world_size
        (True, 0, 1)
    """

    name = "base"

    def __init__(self, rank: int, world_size: int, timeout: float = DEFAULT_TIMEOUT):
        self.rank, self.world_size, self.timeout = rank, world_size, float(timeout)

    # ---------------------------------------------------------------- collectives
    def allreduce(self, x: Any, op: str = "sum") -> Any:
        """The elementwise `op` ("sum", "mean", "max", "min") of `x` over all ranks.

        Returns a new Tensor (not requiring grad) or array like `x`, on its backend;
        `x` is unchanged. "mean" sums, then divides by world_size.

        As `torch.distributed.all_reduce`, except that it returns the result instead of writing
        into `x`.

        Args:
            x: a Tensor or a backend array.
            op: "sum", "mean", "max" or "min".

        Returns:
            Tensor or array: the reduction, like `x`.

        Raises:
            ValueError: for an unknown op.
            TypeError: for "mean" of an integer array, or an `x` that is neither Tensor nor
                array.

        Examples:
            >>> import minigrad.distributed as dist
            >>> comm = dist.SingleProcessCommunicator()
            >>> comm.allreduce(mg.tensor([1.0, 2.0]), op="mean")
            tensor([1., 2.])
            >>> comm.allreduce(mg.tensor([1.0]), op="prod")
            Traceback (most recent call last):
                ...
            ValueError: allreduce: unknown op 'prod'; expected one of sum, mean, max...
        """
        array = _array_of(x, "allreduce")
        if op not in OPS:
            raise ValueError(f"allreduce: unknown op {op!r}; expected one of {', '.join(OPS)}")
        if op == "mean" and array.dtype.kind != "f":
            raise TypeError(f"allreduce(op='mean'): needs a floating array, got {array.dtype}")
        result = self._allreduce(array, "sum" if op == "mean" else op)
        if op == "mean":
            result /= self.world_size
        return _like(x, result)

    def broadcast(self, x: Any, src: int = 0) -> Any:
        """Overwrite `x` (a Tensor's data, or an array) on every rank with rank `src`'s
        values, in place, as torch.distributed.broadcast; returns `x`.

        Args:
            x: a Tensor or a backend array.
            src: the rank whose values everyone takes.

        Returns:
            `x` itself.

        Raises:
            ValueError: for a rank out of range.

        Examples:
            >>> import minigrad.distributed as dist
            >>> comm = dist.SingleProcessCommunicator()
            >>> x = mg.tensor([1.0, 2.0])
            >>> comm.broadcast(x, src=0) is x
            True
            >>> comm.broadcast(x, src=1)
            Traceback (most recent call last):
                ...
            ValueError: broadcast: rank 1 is out of range for world_size 1
        """
        array = _array_of(x, "broadcast")
        self._check_rank(src, "broadcast")
        self._broadcast(array, src)
        return x

    def allgather(self, x: Any) -> Any:
        """Every rank's `x` stacked: shape (world_size, *x.shape), like `x`. All ranks
        must pass the same shape and dtype.

        As `torch.distributed.all_gather_into_tensor`, stacked on a new first axis.

        Args:
            x: a Tensor or a backend array.

        Returns:
            Tensor or array: of shape (world_size, *x.shape).

        Examples:
            >>> import minigrad.distributed as dist
            >>> dist.SingleProcessCommunicator().allgather(mg.tensor([1.0, 2.0]))
            tensor([[1., 2.]])
        """
        return _like(x, self._allgather(_array_of(x, "allgather")))

    def barrier(self) -> None:
        """Return once every rank has called barrier().

        As `torch.distributed.barrier`.

        Examples:
            >>> import minigrad.distributed as dist
            >>> dist.SingleProcessCommunicator().barrier()
        """
        self._barrier()

    def allgather_object(self, obj: Any) -> list:
        """Every rank's `obj` (JSON data: names, shapes, numbers), in rank order.

        Sent as UTF-8 bytes in uint8 arrays (lengths first, then the padded bytes),
        so it works on every communicator and pickles nothing.

        As `torch.distributed.all_gather_object`, for JSON data only (no pickle).

        Args:
            obj: JSON-serialisable data.

        Returns:
            list: one entry per rank.

        Examples:
            >>> import minigrad.distributed as dist
            >>> dist.SingleProcessCommunicator().allgather_object({"rank": 0, "names": ["w", "b"]})
            [{'rank': 0, 'names': ['w', 'b']}]
        """
        data = np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)
        lengths = self._allgather(np.array([data.size], dtype=np.int64))
        padded = np.zeros(int(lengths.max()), dtype=np.uint8)
        padded[:data.size] = data
        rows = self._allgather(padded)
        return [json.loads(bytes(row[:int(n)]).decode()) for row, n in zip(rows, lengths[:, 0])]

    def abort(self, message: str) -> NoReturn:
        """End every process of the job, printing `message` with this rank.

        A rank that raised calls it (through the excepthook `init()` installs under MPI), so
        the other ranks never wait forever.

        Args:
            message: what to print.

        Raises:
            SystemExit: (single process) after printing the message to stderr.

        Examples:
            >>> import minigrad.distributed as dist
            >>> dist.SingleProcessCommunicator().abort("out of data")
            Traceback (most recent call last):
                ...
            SystemExit: 1
        """
        raise NotImplementedError

    # ---------------------------------------------------------------- helpers
    def _check_rank(self, rank: int, what: str) -> None:
        if not 0 <= rank < self.world_size:
            raise ValueError(f"{what}: rank {rank} is out of range for world_size {self.world_size}")

    def _abort_message(self, message: str) -> str:
        return f"[minigrad.distributed] rank {self.rank} of {self.world_size}: {message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, world_size={self.world_size}, timeout={self.timeout:g})"


def _array_of(x: Any, what: str):
    array = x.data if isinstance(x, Tensor) else x
    if backend_of_array(array) is None:
        raise TypeError(f"{what}: expected a Tensor or a NumPy/CuPy array, got {type(x).__name__}")
    return array


def _like(x: Any, array):
    """`array` as what the caller passed: a Tensor (no grad) for a Tensor."""
    return Tensor(array) if isinstance(x, Tensor) else array


def host_copy(array) -> tuple[np.ndarray, Any]:
    """(contiguous NumPy array, backend) for an MPI call: an explicit device-to-host copy
    for device arrays, the array itself (if contiguous) on NumPy."""
    backend = backend_of_array(array)
    if backend is NUMPY:
        return np.ascontiguousarray(array), backend
    return np.ascontiguousarray(backend.to_host(array)), backend


def print_to_stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
