"""Two independent computations on two cores, where the process may use two.

Why: some work splits into two halves that share nothing until they are joined: the
forward and the reverse reading of a bidirectional layer (nn/recurrent/
bidirectional_layer.py), each a chain of small steps that one BLAS thread runs as fast
as two; the rows of a large log-softmax (elementwise_compiled.py); a layer's weight
gradients, chunk by chunk, while its backward time loop goes on (`background`). Run one
after the other, each half either leaves a core idle or splits every small matmul across
two BLAS threads, which gains little. Here the two halves run at once, each on its own core,
with BLAS on one thread each meanwhile. NumPy's matmul and minigrad's compiled loops
(numba, `nogil`) release the GIL; only the Python between them takes turns.

The thread budget is the user's: NumPy's BLAS thread count (OPENBLAS_NUM_THREADS,
threadpoolctl's `threadpool_limits`, ...). With one BLAS thread, or a BLAS that
threadpoolctl cannot find and set, or any backend but NumPy (CuPy queues its kernels
on the GPU), both halves run on the calling thread, one after the other: the same
numbers, as neither half's arithmetic depends on where it runs.
"""
from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np

_blas = None  # threadpoolctl's controller of NumPy's BLAS, once looked up; False: none found
_one_pair_at_a_time = threading.Lock()  # BLAS's thread count is process-wide state


def _numpy_blas():
    """The controller of the BLAS NumPy calls, or None (threadpoolctl missing, or no
    BLAS library it can set loaded from NumPy's package)."""
    global _blas
    if _blas is None:
        _blas = False
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency of this package
            return None
        here = np.__file__.rsplit("numpy", 1)[0]  # site-packages: numpy/ and numpy.libs/
        for library in ThreadpoolController().lib_controllers:
            if library.user_api == "blas" and library.filepath.startswith(here + "numpy"):
                _blas = library
                break
    return _blas or None


def two_threads(xp) -> bool:
    """Whether two computations on `xp` may run at once: NumPy, with a BLAS allowed at
    least two threads whose thread count can be set."""
    if xp is not np:
        return False
    blas = _numpy_blas()
    return blas is not None and blas.num_threads >= 2


def side_by_side(xp, first: Callable, second: Callable) -> tuple:
    """(first(), second()): on two threads, BLAS on one thread each, when `two_threads`
    allows it and no other pair is running; else one after the other. An exception in
    either is raised here, after both have stopped."""
    if not two_threads(xp) or not _one_pair_at_a_time.acquire(blocking=False):
        return first(), second()
    blas = _numpy_blas()
    threads = blas.num_threads
    results: list = [None, None]

    def run_second():
        try:
            results[1] = (True, second())
        except Exception as error:  # noqa: BLE001 - any of them is raised by the caller
            results[1] = (False, error)

    try:
        blas.set_num_threads(1)
        worker = threading.Thread(target=run_second, name="minigrad-second-half")
        worker.start()
        try:
            results[0] = first()
        finally:
            worker.join()
    finally:
        blas.set_num_threads(threads)
        _one_pair_at_a_time.release()
    done, value = results[1]
    if not done:
        raise value
    return results[0], value


class Background:
    """A second thread that runs, in order, what it is handed while the caller goes on.

    Made by `background`, which hands out at most one at a time, and only where
    `two_threads` allows; NumPy's BLAS is on one thread meanwhile (as in `side_by_side`).
    """

    def __init__(self):
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="minigrad-background")
        self._thread.start()

    def _serve(self) -> None:
        while (task := self._work.get()) is not None:
            if self._error is None:  # after a failure the rest is skipped
                try:
                    task()
                except Exception as error:  # noqa: BLE001 - raised to the caller, by wait()
                    self._error = error

    def run(self, task: Callable[[], object]) -> None:
        """Queue `task()` behind what was handed before; its result is dropped, so it
        writes what it computes into the caller's arrays."""
        self._work.put(task)

    def wait(self) -> None:
        """Return once every task handed so far has run, and stop the thread; raise the
        first failure. Nothing may be handed afterwards."""
        if self._thread.is_alive():
            self._work.put(None)
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None  # raised once
            raise error


@contextlib.contextmanager
def background(xp, wanted: bool = True) -> Iterator[Background | None]:
    """A `Background` thread for work on `xp` arrays, or None where it is not `wanted`,
    two threads are not allowed (see `two_threads`) or another pair of threads is
    running: the caller then does the work itself. On leaving, the thread has finished
    (a task's failure is raised) and BLAS has its thread count back."""
    if not wanted or not two_threads(xp) or not _one_pair_at_a_time.acquire(blocking=False):
        yield None
        return
    blas = _numpy_blas()
    threads = blas.num_threads
    worker = None
    try:
        blas.set_num_threads(1)
        worker = Background()
        try:
            yield worker
        finally:
            worker.wait()  # (on the caller's own error too: nothing runs on afterwards)
    finally:
        blas.set_num_threads(threads)
        _one_pair_at_a_time.release()
