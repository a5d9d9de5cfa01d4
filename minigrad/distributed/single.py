"""The communicator of a script run alone: every collective is the identity.

It lets the same training script run with or without `mpiexec`, and makes every
distributed code path run (and be tested) in one process.
"""
from __future__ import annotations

import sys
from typing import NoReturn

from .base import DEFAULT_TIMEOUT, Communicator, print_to_stderr


class SingleProcessCommunicator(Communicator):
    """The communicator of a script run alone: rank 0 of a world of one.

    Every collective is the identity (a copy), so a training script written for
    `mpiexec -n 4` runs unchanged with plain `python`.

    Args:
        timeout: accepted for symmetry with the other communicators.

    Examples:
        >>> import minigrad.distributed as dist
        >>> comm = dist.SingleProcessCommunicator()
        >>> comm.rank, comm.world_size
        (0, 1)
        >>> comm.allreduce(mg.tensor([3.0]))
        tensor([3.])
    """

    name = "single"

    def __init__(self, timeout: float = DEFAULT_TIMEOUT):
        super().__init__(0, 1, timeout)

    def _allreduce(self, array, op: str):
        return array.copy()

    def _broadcast(self, array, src: int) -> None:
        pass

    def _allgather(self, array):
        return array.copy()[None]

    def _barrier(self) -> None:
        pass

    def abort(self, message: str) -> NoReturn:
        """End the process: print `message` with this rank to stderr, then exit with status 1.

        Args:
            message: what to print.

        Raises:
            SystemExit: always.

        Examples:
            >>> import minigrad.distributed as dist
            >>> dist.SingleProcessCommunicator().abort("out of data")
            Traceback (most recent call last):
                ...
            SystemExit: 1
        """
        print_to_stderr(self._abort_message(message))
        sys.exit(1)
