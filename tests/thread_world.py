"""A world of ranks as threads of one process, for testing distributed code without MPI.

`ThreadWorld(size)` holds the shared slots; each rank's `ThreadCommunicator` sums,
gathers and broadcasts host arrays through them, as MPI would between processes.
`run_ranks(body, size)` runs body(rank) on `size` threads and returns their results
(re-raising the first error).
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from minigrad.distributed.base import Communicator


class Aborted(RuntimeError):
    """What `ThreadCommunicator.abort` raises (a real communicator ends the job)."""


class ThreadWorld:
    """`size` ranks in threads, exchanging values through shared slots."""

    def __init__(self, size: int):
        self.size = size
        self.barrier = threading.Barrier(size, timeout=20)
        self.slots = [None] * size

    def exchange(self, rank: int, value) -> list:
        self.slots[rank] = value
        self.barrier.wait()
        values = list(self.slots)
        self.barrier.wait()
        return values


class ThreadCommunicator(Communicator):
    """The host-side communicator of a ThreadWorld (MPI's part under NCCL)."""

    name = "threads"

    def __init__(self, world: ThreadWorld, rank: int, timeout: float = 20):
        super().__init__(rank, world.size, timeout)
        self.world = world

    def _allreduce(self, array, op):
        assert isinstance(array, np.ndarray), type(array)
        reduce = {"sum": np.add, "max": np.maximum, "min": np.minimum}[op]
        return functools.reduce(reduce, self.world.exchange(self.rank, array.copy()))

    def _broadcast(self, array, src):
        array[...] = self.world.exchange(self.rank, array.copy())[src]

    def _allgather(self, array):
        return np.stack(self.world.exchange(self.rank, array.copy()))

    def _barrier(self):
        self.world.exchange(self.rank, None)

    def abort(self, message):
        raise Aborted(message)



def run_ranks(body, size: int = 2) -> list:
    """body(rank) on `size` threads; returns each rank's result, or raises the first error."""
    results, errors = [None] * size, []

    def rank_main(rank):
        try:
            results[rank] = body(rank)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results
