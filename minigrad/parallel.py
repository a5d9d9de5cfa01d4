"""Two independent computations on two cores, where the process may use two.

Why: some work splits into two halves that share nothing until they are joined: the
forward and the reverse reading of a bidirectional layer (nn/recurrent/
bidirectional_layer.py), each a chain of small steps that one BLAS thread runs as fast
as two; the rows of a large log-softmax (elementwise_compiled.py). Run one after the
other, each half either leaves a core idle or splits every small matmul across two BLAS
threads, which gains little. Here the two halves run at once, each on its own core,
with BLAS on one thread each meanwhile. NumPy's matmul and minigrad's compiled loops
(numba, `nogil`) release the GIL; only the Python between them takes turns.

The thread budget is the user's: NumPy's BLAS thread count (OPENBLAS_NUM_THREADS,
threadpoolctl's `threadpool_limits`, ...). With one BLAS thread, or a BLAS that
threadpoolctl cannot find and set, or any backend but NumPy (CuPy queues its kernels
on the GPU), both halves run on the calling thread, one after the other: the same
numbers, as neither half's arithmetic depends on where it runs.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

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
