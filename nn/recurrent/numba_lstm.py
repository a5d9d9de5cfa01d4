"""The fused LSTM step's gate math compiled into loops (numba), for NumPy arrays on the CPU.

Why: on NumPy, the gates of one fused step are about twenty array operations on small
(batch, 4H) arrays; at the sizes of a typical course model (batch 16, H = 64) each costs
more in Python and in passes over memory than in arithmetic, and the step is 2-3 times
PyTorch's fused layer. Here the forward and the backward of the gates are each one
compiled loop over the batch; the matrix products stay NumPy's (its BLAS is faster than
a loop at these shapes), and so does everything around the step (fused.py).

The numbers are those of `LSTMStep`'s xp path (the reference, which the tests compare
this with), gate rows i, f, g, o, the σ rows already halved by the projection:
σ(x) = ½ tanh(½x) + ½. In float64, tanh is libm's; in float32 it is a rational
approximation the compiler vectorises (libm's tanhf is one scalar call per element,
slower than all the rest of the step together), within 4e-7 of tanh.

Only `compiled.gate_kernels` imports this module, so `import nn` never pays numba's
import, and nothing breaks where numba is missing.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import overload

# Every fast-math licence except "no NaNs" and "no infinities": a NaN in a gate must stay
# a NaN, as it does in NumPy. cache=True: compiled once per dtype, then read from disk.
_JIT = {"fastmath": {"nsz", "arcp", "contract", "afn", "reassoc"}, "error_model": "numpy",
        "boundscheck": False, "cache": True, "nogil": True}


def tanh(x):
    """tanh inside the compiled loops: math.tanh, or in float32 the overload below."""
    return math.tanh(x)


@overload(tanh)
def _tanh_by_type(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return _tanh32
    return lambda x: math.tanh(x)


def _tanh32(x):
    """tanh(x) ≈ x p(x²) / q(x²), the minimax rational of Eigen's float32 tanh, on
    |x| ≤ 7.9 (beyond, tanh rounds to ±1 in float32). Comparisons, not min/max, clip
    x, so that a NaN stays NaN."""
    limit = np.float32(7.90531110763549805)
    x = limit if x > limit else x  # noqa: FURB136 (min/max may drop a NaN)
    x = -limit if x < -limit else x  # noqa: FURB136
    x2 = x * x
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    return x * p / q


@numba.njit(**_JIT)
def _forward(gates, projected, c_prev, c, tanh_c, h):
    """gates holds a<t-1> W_hhᵀ (σ rows halved) on entry and Γu, Γf, c̃<t>, Γo on exit."""
    batch, width = gates.shape
    hidden = width // 4
    half = gates.dtype.type(0.5)
    for b in range(batch):
        row, given = gates[b], projected[b]
        for k in range(width):                      # tanh of every pre-activation
            row[k] = tanh(row[k] + given[k])
        for k in range(2 * hidden):                 # Γu, Γf = ½ tanh(½·) + ½
            row[k] = half * row[k] + half
        for k in range(3 * hidden, width):          # Γo
            row[k] = half * row[k] + half
        c_row, c_before, tanh_row, h_row = c[b], c_prev[b], tanh_c[b], h[b]
        for j in range(hidden):                     # c<t> = Γu c̃<t> + Γf c<t-1>
            c_row[j] = row[hidden + j] * c_before[j] + row[j] * row[2 * hidden + j]
        for j in range(hidden):
            tanh_row[j] = tanh(c_row[j])
        for j in range(hidden):                     # a<t> = Γo tanh(c<t>)
            h_row[j] = row[3 * hidden + j] * tanh_row[j]


@numba.njit(**_JIT)
def _backward(gates, tanh_c, c_prev, grad_h, grad_c, delta, grad_c_prev):
    """δ<t> (the gradient of the pre-activations, rows i, f, g, o) and dc<t-1>."""
    batch, width = gates.shape
    hidden = width // 4
    one = gates.dtype.type(1.0)
    for b in range(batch):
        row, d, tanh_row, c_before = gates[b], delta[b], tanh_c[b], c_prev[b]
        da, dc_next, dc_before = grad_h[b], grad_c[b], grad_c_prev[b]
        for j in range(hidden):
            update, forget = row[j], row[hidden + j]
            candidate, output = row[2 * hidden + j], row[3 * hidden + j]
            tanh_cj = tanh_row[j]
            dc = da[j] * output * (one - tanh_cj * tanh_cj) + dc_next[j]  # da Γo tanh'(c) + dc<t>
            d[j] = dc * candidate * update * (one - update)               # dΓu σ'
            d[hidden + j] = dc * c_before[j] * forget * (one - forget)    # dΓf σ'
            d[2 * hidden + j] = dc * update * (one - candidate * candidate)  # dc~ tanh'
            d[3 * hidden + j] = da[j] * tanh_cj * output * (one - output)    # dΓo σ'
            dc_before[j] = dc * forget                                    # dc<t-1> = dc Γf


def lstm_forward(gates, projected, c_prev) -> tuple:
    """(c<t>, tanh c<t>, a<t>) from the recurrent product `gates` (overwritten with the
    gates), the projected input and c<t-1>; all NumPy arrays of one float dtype."""
    dtype = gates.dtype
    projected = np.ascontiguousarray(projected, dtype=dtype)  # one compiled layout: C
    c_prev = np.ascontiguousarray(c_prev, dtype=dtype)
    c, tanh_c, h = np.empty_like(c_prev), np.empty_like(c_prev), np.empty_like(c_prev)
    _forward(gates, projected, c_prev, c, tanh_c, h)
    return c, tanh_c, h


def lstm_backward(gates, tanh_c, c_prev, grad_h, grad_c, delta):
    """Write δ<t> into `delta`; return dc<t-1>."""
    dtype = gates.dtype
    grad_h = np.ascontiguousarray(grad_h, dtype=dtype)
    grad_c = np.ascontiguousarray(grad_c, dtype=dtype)
    c_prev = np.ascontiguousarray(c_prev, dtype=dtype)
    grad_c_prev = np.empty_like(c_prev)
    _backward(gates, tanh_c, c_prev, grad_h, grad_c, delta, grad_c_prev)
    return grad_c_prev
