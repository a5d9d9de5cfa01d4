"""The sum of a RowSparseGrad's repeated rows as one compiled loop (numba), for NumPy arrays.

Why: coalescing sums each run of equal row indices. NumPy's `add.reduceat` over axis 0
pays a call per run, and a skip-gram batch has thousands of short runs: on a batch of
4,096 pairs it took a third of the whole training step, more than PyTorch's
coalesce. One loop over the rows in sorted order adds them into float64 sums (so
float32 rows come out at least as accurate as reduceat's pairwise float32 sums), and
skips the gather of the sorted rows that reduceat needs.

Only plain `numpy.ndarray` values of float32 or float64 come here (`sum_runs` returns None
otherwise, and for CuPy or the strict test backend); numba is imported on first use,
and a missing numba means the NumPy path.
"""
from __future__ import annotations

import os

import numpy as np

enabled: bool = os.environ.get("MINIGRAD_NUMBA", "1") != "0"
_kernel = None  # the compiled loop once built; False when numba is not installed
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _build():
    import numba

    @numba.njit(cache=True, nogil=True, boundscheck=False)
    def sum_runs(values, order, run, out):
        # out[run[k]] += values[order[k]] for k in sorted order: each run's rows in turn
        for k in range(order.shape[0]):
            source, target = order[k], run[k]
            for j in range(values.shape[1]):
                out[target, j] += values[source, j]

    return sum_runs


def sum_runs(values, order, run, runs: int):
    """(runs, width) sums of `values` (n, width) row `order[k]` into row `run[k]`, or None
    when these are not NumPy float arrays (or numba is missing or switched off)."""
    global _kernel
    if not enabled or type(values) is not np.ndarray or values.dtype not in _DTYPES or values.ndim != 2:
        return None
    if _kernel is None:
        try:
            _kernel = _build()
        except ImportError:
            _kernel = False
    if not _kernel:
        return None
    out = np.zeros((runs, values.shape[1]), dtype=np.float64)
    _kernel(np.ascontiguousarray(values), order, run, out)
    return out.astype(values.dtype, copy=False)
