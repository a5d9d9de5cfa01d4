"""Whether tanh, σ, log-softmax, an optimizer's p -= α·g and a row scatter-add run as
compiled loops (elementwise_numba.py) or through `xp`.

The xp path in the ops is the reference: it runs on every backend (NumPy, CuPy, the
strict test backend) and for every size. The compiled loops take only what they were
written for: plain C-contiguous `numpy.ndarray`s of float32 or float64 on the NumPy
backend, of at least `threshold` elements (below it NumPy's call costs about as much,
and the small arrays of the tests and of gradcheck keep running the reference). Each
function here returns None when its arguments are not such arrays, or when numba is
missing or switched off (`MINIGRAD_NUMBA=0`, read at import, or
`minigrad.elementwise_compiled.enabled = False`); the tests compare both paths by
flipping `enabled`. numba is imported on the first call that gets that far.
"""
from __future__ import annotations

import os

import numpy as np

from .parallel import side_by_side

enabled: bool = os.environ.get("MINIGRAD_NUMBA", "1") != "0"
# 2^14 elements: there the compiled float32 tanh took 9 µs against NumPy's 54-90 µs, a
# float64 tanh backward 6 against 20 (the project's 2 cores)
threshold: int = 1 << 14
# From 2^18 elements a log-softmax runs half its rows on each of two cores where the
# process may use two (parallel.py): there a row half costs ~0.5 ms, a thread ~0.05 ms.
split_threshold: int = 1 << 18
_kernels = None  # the elementwise_numba module once imported; False when numba is missing
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _usable(xp, x) -> bool:
    return (enabled and xp is np and type(x) is np.ndarray and x.dtype in _DTYPES
            and x.size >= threshold and x.flags.c_contiguous)


def _load():
    global _kernels
    if _kernels is None:
        try:
            from . import elementwise_numba
        except ImportError:  # numba missing (or broken): the xp path is as correct
            elementwise_numba = False
        _kernels = elementwise_numba
    return _kernels


def _flat_gradient(g, y):
    """g as a flat array for the backward loops: itself when contiguous like y, one value
    when it is a broadcast scalar (the gradient of a mean or sum); else None."""
    if type(g) is not np.ndarray or g.dtype != y.dtype or g.shape != y.shape:
        return None
    if g.flags.c_contiguous:
        return g.reshape(-1)
    if not any(g.strides):
        return g.reshape(-1)[:1].copy()  # (writable: one compiled signature, not two)
    return None


def _unary(name: str, xp, x):
    if not _usable(xp, x) or not _load():
        return None
    out = np.empty_like(x)
    getattr(_kernels, name)(x.reshape(-1), out.reshape(-1))
    return out


def _unary_backward(name: str, xp, y, g):
    if not _usable(xp, y) or not _load():
        return None
    flat = _flat_gradient(g, y)
    if flat is None:
        return None
    out = np.empty_like(y)
    getattr(_kernels, name)(y.reshape(-1), flat, out.reshape(-1))
    return out


def tanh(xp, x):
    """tanh x in float32, or None (use the xp path). float64 stays NumPy's: numba's
    tanh is libm's scalar one, slower than NumPy's even on 2 threads."""
    return _unary("tanh_forward", xp, x) if x.dtype == np.float32 else None


def tanh_backward(xp, y, g):
    """g (1 - y²) for y = tanh x, or None."""
    return _unary_backward("tanh_backward", xp, y, g)


def sigmoid(xp, x):
    """σ(x) = ½ tanh(½x) + ½ in float32 (float64 as tanh), or None."""
    return _unary("sigmoid_forward", xp, x) if x.dtype == np.float32 else None


def sigmoid_backward(xp, y, g):
    """g σ (1 - σ) for y = σ(x), or None."""
    return _unary_backward("sigmoid_backward", xp, y, g)


def log_softmax(xp, x, axis):
    """(log ŷ, ŷ) along the last axis of a 2-D (rows, classes) x, or None. In float32 ŷ
    is None: log_softmax_backward takes it from log ŷ (e^(log ŷ) is cheap there, one
    array fewer is written and kept); float64's exp is libm's, so ŷ is kept."""
    if x.ndim != 2 or axis != 1 or not _usable(xp, x) or not _load():
        return None
    out = np.empty_like(x)
    softmax = np.empty_like(x) if x.dtype == np.float64 else np.empty((0, 0), x.dtype)
    kernel = _kernels.log_softmax_forward
    _by_rows(xp, x.shape[0], x.size, lambda rows: kernel(
        x[rows], out[rows], softmax[rows] if softmax.size else softmax))
    return out, (softmax if softmax.size else None)


def log_softmax_backward(xp, saved, g, axis, saved_is_log: bool = False):
    """g - ŷ Σ g along the last axis of a 2-D `saved` (ŷ, or log ŷ when saved_is_log),
    or None."""
    if saved.ndim != 2 or axis != 1 or not _usable(xp, saved) or not _load():
        return None
    if type(g) is not np.ndarray or g.dtype != saved.dtype or g.shape != saved.shape \
            or not g.flags.c_contiguous:
        return None
    out = np.empty_like(g)
    kernel = _kernels.log_softmax_backward
    _by_rows(xp, g.shape[0], g.size, lambda rows: kernel(saved[rows], g[rows], out[rows],
                                                           saved_is_log))
    return out


def log_softmax_normalisers(xp, x):
    """(m, log Σ e^(x-m)) per row of a 2-D (rows, classes) x, each of shape (rows,), or None:
    the forward of a picked log-softmax (ops/reductions.py), which reads every logit once
    and writes no log ŷ."""
    if x.ndim != 2 or x.shape[1] == 0 or not _usable(xp, x) or not _load():
        return None
    shift = np.empty(x.shape[0], x.dtype)
    log_total = np.empty(x.shape[0], x.dtype)
    kernel = _kernels.log_softmax_normalisers
    _by_rows(xp, x.shape[0], x.size, lambda rows: kernel(x[rows], shift[rows], log_total[rows]))
    return shift, log_total


def picked_log_softmax_backward(xp, x, shift, log_total, index, g):
    """g_n (onehot(y_n) - ŷ) per row of x, ŷ recomputed from the forward's normalisers, in
    one pass over the logits; or None. `index` holds each row's class (checked in range by
    the caller: the loop does not check)."""
    if not _usable(xp, x) or type(g) is not np.ndarray or g.dtype != x.dtype \
            or g.shape != (x.shape[0],) or type(index) is not np.ndarray \
            or index.dtype != np.int64 or not _load():
        return None
    out = np.empty_like(x)
    kernel = _kernels.picked_log_softmax_backward
    _by_rows(xp, x.shape[0], x.size, lambda rows: kernel(
        x[rows], shift[rows], log_total[rows], index[rows], g[rows], out[rows]))
    return out


def scatter_add_rows(target, index, values) -> bool:
    """target[index] += values with repeated rows accumulating, for one 1-D array of row
    indices, as one compiled loop (NumPy's `add.at` makes a call per element: 3 ms for a
    language model's 700 looked-up rows of 200, against 0.1 ms); the same bits. False
    when the arrays are not what the loop takes, or an index is out of range (then
    `add.at` runs, and raises its IndexError)."""
    if not (enabled and type(target) is np.ndarray and type(index) is np.ndarray
            and type(values) is np.ndarray and index.ndim == 1 and index.dtype.kind in "iu"
            and target.ndim >= 2 and target.dtype in _DTYPES and values.dtype == target.dtype
            and values.shape == index.shape + target.shape[1:] and values.size >= threshold
            and target.flags.c_contiguous and target.flags.writeable) or not _load():
        return False
    rows = target.shape[0]
    if index.size and (int(index.min()) < -rows or int(index.max()) >= rows):
        return False
    width = target.size // rows if rows else 0
    _kernels.scatter_add_rows(target.reshape(rows, width), index.astype(np.int64, copy=False),
                              np.ascontiguousarray(values).reshape(index.shape[0], width))
    return True


def subtract_scaled_(xp, p, g, alpha) -> bool:
    """p -= α·g in place, as one compiled pass (NumPy's `p -= α * g` writes a temporary
    and reads it back: three arrays' worth of memory traffic for an optimizer step over
    a language model's 6 M parameters), bit for bit; False when p, g or α are not what
    the loop takes (then the caller runs the xp expression). α must be a Python number:
    a NumPy float64 scalar would promote NumPy's product, and so round otherwise."""
    if type(alpha) not in (int, float) or not _usable(xp, p) or not p.flags.writeable \
            or type(g) is not np.ndarray or g.dtype != p.dtype or g.shape != p.shape \
            or not g.flags.c_contiguous or not _load():
        return False
    flat_p, flat_g, alpha = p.reshape(-1), g.reshape(-1), p.dtype.type(alpha)
    kernel = _kernels.subtract_scaled
    _by_rows(xp, flat_p.shape[0], flat_p.size, lambda part: kernel(flat_p[part], flat_g[part], alpha))
    return True


def _by_rows(xp, rows: int, size: int, run) -> None:
    """run(rows slice) over every row: at once, or from `split_threshold` elements half
    the rows on each of two cores (parallel.py; the rows are independent)."""
    if size < split_threshold or rows < 2:
        run(slice(None))
        return
    half = rows // 2
    side_by_side(xp, lambda: run(slice(None, half)), lambda: run(slice(half, None)))
