"""The communicator of a script run alone: every collective is the identity.

It lets the same training script run with or without `mpiexec`, and makes every
distributed code path run (and be tested) in one process.
"""
from __future__ import annotations

import sys
from typing import NoReturn

from .base import DEFAULT_TIMEOUT, Communicator, print_to_stderr


class SingleProcessCommunicator(Communicator):
    """rank 0 of a world of one."""

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
        print_to_stderr(self._abort_message(message))
        sys.exit(1)
