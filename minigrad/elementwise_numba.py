"""tanh, σ and log-softmax of large NumPy arrays as compiled loops (numba).

Why: NumPy's float32 tanh and exp are scalar loops on the project's machine (3-6 ns an
element) and a log-softmax is eight passes over its array; PyTorch runs them vectorised,
which made a big elementwise tanh and a language model's log-softmax over its
(T·B, vocabulary) logits 1.3-1.4 times PyTorch's. Each kernel below is one pass over
contiguous memory (log-softmax: one per row, the row held in cache), with tanh and exp
from numba_math.py, which the compiler vectorises in float32.

One thread: measured on the project's 2 cores, the same loops under `prange` (numba's
workqueue layer; GNU OpenMP is not safe in a forked child, and the test suite forks)
were slower at every size from 2^10 to 2^22 elements: 30-90 µs to start the threads,
and no gain once the loop is vectorised, as these passes are bound by memory. (nogil:
other Python threads run meanwhile.)

The numbers are those of the ops' xp paths (the reference, which the tests compare
with): tanh' = 1 - y², σ(x) = ½ tanh(½x) + ½ and σ' = σ(1 - σ), log ŷ = x - m - log Σ e^(x-m)
with m the row's max (0 when that is not finite, as the xp path does), and the
gradient g - ŷ Σ g. Row sums accumulate in float64.

Only elementwise_compiled.py imports this module, on the first array large enough to
come here, so `import minigrad` never pays numba's import.
"""
from __future__ import annotations

import math

import numba

from .numba_math import exp, tanh

# Every fast-math licence except "no NaNs" and "no infinities" (a NaN stays a NaN, as in
# NumPy); compiled once per dtype, then read from the on-disk cache.
_JIT = {"fastmath": {"nsz", "arcp", "contract", "afn", "reassoc"}, "error_model": "numpy",
        "boundscheck": False, "cache": True, "nogil": True}


@numba.njit(**_JIT)
def tanh_forward(x, out):
    """out = tanh x over flat arrays."""
    for i in range(x.shape[0]):
        out[i] = tanh(x[i])


@numba.njit(**_JIT)
def tanh_backward(y, g, out):
    """out = g (1 - y²); g is flat like y, or of length 1 (one value for all)."""
    one = y.dtype.type(1.0)
    if g.shape[0] == 1:
        value = g[0]
        for i in range(y.shape[0]):
            out[i] = value * (one - y[i] * y[i])
    else:
        for i in range(y.shape[0]):
            out[i] = g[i] * (one - y[i] * y[i])


@numba.njit(**_JIT)
def sigmoid_forward(x, out):
    """out = σ(x) = ½ tanh(½x) + ½ (no exp, so no overflow)."""
    half = x.dtype.type(0.5)
    for i in range(x.shape[0]):
        out[i] = half * tanh(half * x[i]) + half


@numba.njit(**_JIT)
def sigmoid_backward(y, g, out):
    """out = g σ (1 - σ); g as in tanh_backward."""
    one = y.dtype.type(1.0)
    if g.shape[0] == 1:
        value = g[0]
        for i in range(y.shape[0]):
            out[i] = value * (y[i] * (one - y[i]))
    else:
        for i in range(y.shape[0]):
            out[i] = g[i] * (y[i] * (one - y[i]))


@numba.njit(**_JIT)
def log_softmax_forward(x, out, softmax):
    """Per row of the (rows, classes) x: out = log ŷ, and softmax = ŷ unless softmax is
    (0, 0) (float32: backward takes ŷ = e^(log ŷ), one array fewer written and kept)."""
    rows, classes = x.shape
    keep = softmax.shape[0] != 0
    for row in range(rows):
        values, logs = x[row], out[row]
        m = values[0]
        for j in range(1, classes):
            m = values[j] if values[j] > m else m  # noqa: FURB136 (a NaN row: NaN below anyway)
        if not math.isfinite(m):                   # a row of -inf gives NaN, as x - logsumexp(x)
            m = x.dtype.type(0.0)
        total = 0.0                                # Σ e^(x-m), in float64
        if keep:
            probabilities = softmax[row]
            for j in range(classes):
                shifted = values[j] - m
                logs[j] = shifted
                probabilities[j] = exp(shifted)
                total += probabilities[j]
            inverse = x.dtype.type(1.0 / total)
            for j in range(classes):               # ŷ = e^(x-m) / Σ e^(x-m)
                probabilities[j] *= inverse
        else:
            for j in range(classes):
                shifted = values[j] - m
                logs[j] = shifted
                total += exp(shifted)
        log_total = x.dtype.type(math.log(total))
        for j in range(classes):                   # log ŷ = x - m - log Σ e^(x-m)
            logs[j] -= log_total


@numba.njit(**_JIT)
def log_softmax_backward(saved, g, out, saved_is_log):
    """Per row: out = g - ŷ Σ g (∂/∂x of Σ g log ŷ); `saved` is ŷ, or log ŷ when
    saved_is_log."""
    rows, classes = g.shape
    for row in range(rows):
        gradient, kept, result = g[row], saved[row], out[row]
        total = 0.0
        for j in range(classes):
            total += gradient[j]
        total_ = g.dtype.type(total)
        if saved_is_log:
            for j in range(classes):
                result[j] = gradient[j] - exp(kept[j]) * total_
        else:
            for j in range(classes):
                result[j] = gradient[j] - kept[j] * total_


# No fast-math here: p - α·g must round as NumPy's `p -= α * g` does (the product, then
# the difference), with no fused multiply-add, so an optimizer's step is the same bits.
@numba.njit(error_model="numpy", boundscheck=False, cache=True, nogil=True)
def subtract_scaled(p, g, alpha):
    """p -= α g over flat arrays, in place: one pass, no temporary."""
    for i in range(p.shape[0]):
        p[i] -= alpha * g[i]


@numba.njit(**_JIT)
def log_softmax_normalisers(x, shift, log_total):
    """Per row of the (rows, classes ≥ 1) x: shift = its max m (0 when that is not finite)
    and log_total = log Σ e^(x-m), all that log ŷ = x - m - log Σ e^(x-m) needs, with no
    row of log ŷ written."""
    rows, classes = x.shape
    for row in range(rows):
        values = x[row]
        m = values[0]
        for j in range(1, classes):
            m = values[j] if values[j] > m else m  # noqa: FURB136 (a NaN row: NaN below anyway)
        if not math.isfinite(m):
            m = x.dtype.type(0.0)
        total = 0.0                                # Σ e^(x-m): float64 over blocks whose
        for start in range(0, classes, 512):       # own sums are in x's dtype (a float32
            part = x.dtype.type(0.0)               # sum vectorises twice as wide; over 512
            for j in range(start, min(start + 512, classes)):  # terms it loses ~1e-8)
                part += exp(values[j] - m)
            total += part
        shift[row] = m
        log_total[row] = x.dtype.type(math.log(total))


@numba.njit(**_JIT)
def picked_log_softmax_backward(x, shift, log_total, index, g, out):
    """Per row n: out = g_n (onehot(y_n) - ŷ), with ŷ = e^(x - m - log Σ e^(x-m))
    recomputed from the row's two normalisers (∂/∂x of g_n log ŷ[y_n])."""
    rows, classes = x.shape
    for row in range(rows):
        values, result = x[row], out[row]
        m, normaliser, given = shift[row], log_total[row], g[row]
        for j in range(classes):
            result[j] = -(exp((values[j] - m) - normaliser) * given)
        result[index[row]] += given


@numba.njit(error_model="numpy", boundscheck=False, cache=True, nogil=True)
def scatter_add_rows(target, index, values):
    """target[index[k]] += values[k] for k in order, over (rows, width) target and (n, width)
    values: NumPy's `add.at(target, index, values)` for one array of row indices, the
    same additions in the same order (so the same bits), without its per-element calls.
    Indices are in [-rows, rows) (checked by the caller); negative ones count from the end."""
    rows = target.shape[0]
    for k in range(index.shape[0]):
        row = index[k]
        if row < 0:
            row += rows
        destination, source = target[row], values[k]
        for j in range(target.shape[1]):
            destination[j] += source[j]
