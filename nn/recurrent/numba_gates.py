"""The fused steps' gate math compiled into loops (numba), for NumPy arrays on the CPU.

Why: on NumPy, the gates of one fused LSTM step are about twenty array operations on
small (batch, 4H) arrays (a GRU step fifteen); at the sizes of a typical course model
(batch 16, H = 64) each costs more in Python and in passes over memory than in
arithmetic, and the LSTM step was 2-3 times PyTorch's fused layer. Here the forward and
the backward of the gates are each one compiled loop over the batch; the matrix
products stay NumPy's BLAS (faster than a loop at these shapes). A step node calls
these kernels once a step from Python (fused.py); a layer node's time loop calls them
from compiled code (numba_layers.py).

The numbers are those of the steps' xp paths in fused.py (the reference, which the
tests compare this with): LSTM rows i, f, g, o and GRU rows r, z, n, their σ rows
already halved by the projection, σ(x) = ½ tanh(½x) + ½. In float64, tanh is libm's; in
float32 it is a rational approximation the compiler vectorises (libm's tanhf is one
scalar call per element, slower than all the rest of the step together), within 4e-7
of tanh (minigrad/numba_math.py, shared with minigrad's elementwise kernels).

Only `compiled.gate_kernels` imports this module, so `import nn` never pays numba's
import, and nothing breaks where numba is missing.
"""
from __future__ import annotations

import numba
import numpy as np

from minigrad.numba_math import tanh  # float32: a rational the compiler vectorises

# Every fast-math licence except "no NaNs" and "no infinities": a NaN in a gate must stay
# a NaN, as it does in NumPy. cache=True: compiled once per dtype, then read from disk.
_JIT = {"fastmath": {"nsz", "arcp", "contract", "afn", "reassoc"}, "error_model": "numpy",
        "boundscheck": False, "cache": True, "nogil": True}


@numba.njit(**_JIT)
def _forward(gates, projected, c_prev, c, tanh_c, h):
    """gates holds a<t-1> W_hhᵀ (σ rows halved) on entry and Γu, Γf, c̃<t>, Γo on exit;
    c<t>, tanh c<t> and a<t> are written into c, tanh_c, h."""
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


def lstm_forward(gates, projected, c_prev, c, tanh_c, h) -> None:
    """c<t>, tanh c<t>, a<t> into `c`, `tanh_c`, `h` from the recurrent product `gates`
    (overwritten with the gates), the projected input and c<t-1>; all NumPy arrays of
    one float dtype, the outputs C-contiguous."""
    dtype = gates.dtype
    projected = np.ascontiguousarray(projected, dtype=dtype)  # one compiled layout: C
    c_prev = np.ascontiguousarray(c_prev, dtype=dtype)
    _forward(gates, projected, c_prev, c, tanh_c, h)


def lstm_backward(gates, tanh_c, c_prev, grad_h, grad_c, delta):
    """Write δ<t> into `delta`; return dc<t-1>."""
    dtype = gates.dtype
    grad_h = np.ascontiguousarray(grad_h, dtype=dtype)
    grad_c = np.ascontiguousarray(grad_c, dtype=dtype)
    c_prev = np.ascontiguousarray(c_prev, dtype=dtype)
    grad_c_prev = np.empty(c_prev.shape, dtype)
    _backward(gates, tanh_c, c_prev, grad_h, grad_c, delta, grad_c_prev)
    return grad_c_prev


@numba.njit(**_JIT)
def _gru_forward(recurrent, projected, h_prev, gates, candidate, h):
    """recurrent = a<t-1> W_hhᵀ + b_hh (r, z rows halved); gates gets Γr, z = 1 - Γu."""
    batch, hidden = h_prev.shape
    half = h_prev.dtype.type(0.5)
    for b in range(batch):
        rec, given, row = recurrent[b], projected[b], gates[b]
        for k in range(2 * hidden):                 # Γr, z = σ(·) = ½ tanh(½·) + ½
            row[k] = half * tanh(rec[k] + given[k]) + half
        cand, before, h_row = candidate[b], h_prev[b], h[b]
        for j in range(hidden):                     # c~<t> = tanh(W_in x + b_in + Γr (W_hn a + b_hn))
            cand[j] = tanh(given[2 * hidden + j] + row[j] * rec[2 * hidden + j])
        for j in range(hidden):                     # a<t> = (1 - z) c~<t> + z a<t-1>
            h_row[j] = cand[j] + row[hidden + j] * (before[j] - cand[j])


@numba.njit(**_JIT)
def _gru_backward(gates, candidate, recurrent_n, h_prev, grad_h, d_input, delta, through_keep):
    """The δ of W_i x + b_i (d_input) and of W_h a + b_h (delta), rows r, z, n, and
    da<t> z, the share of a<t-1> that skips the matmul."""
    batch, hidden = h_prev.shape
    one = h_prev.dtype.type(1.0)
    for b in range(batch):
        row, cand, rec_n, before, da = gates[b], candidate[b], recurrent_n[b], h_prev[b], grad_h[b]
        d_in, d_rec, skip = d_input[b], delta[b], through_keep[b]
        for j in range(hidden):
            reset, keep, c = row[j], row[hidden + j], cand[j]
            skip[j] = da[j] * keep
            d_cand = (da[j] - skip[j]) * (one - c * c)          # dc~ = da (1 - z) tanh'
            d_reset = d_cand * rec_n[j] * reset * (one - reset)  # dΓr σ'
            d_keep = da[j] * (before[j] - c) * keep * (one - keep)  # dz σ'
            d_in[j], d_in[hidden + j], d_in[2 * hidden + j] = d_reset, d_keep, d_cand
            d_rec[j], d_rec[hidden + j] = d_reset, d_keep
            d_rec[2 * hidden + j] = d_cand * reset


@numba.njit(**_JIT)
def _rnn_forward(h, projected, relu):
    """a<t> = g(h + projected) in place (h holds a<t-1> W_hhᵀ on entry), g = relu or tanh."""
    batch, hidden = h.shape
    zero = h.dtype.type(0.0)
    for b in range(batch):
        row, given = h[b], projected[b]
        if relu:
            for j in range(hidden):
                value = row[j] + given[j]
                row[j] = zero if value <= zero else value  # noqa: FURB136 (a NaN stays NaN)
        else:
            for j in range(hidden):
                row[j] = tanh(row[j] + given[j])


@numba.njit(**_JIT)
def _rnn_backward(h, grad_h, delta, relu):
    """δ<t> = da<t> g'(·): 1 where a<t> > 0 (relu), 1 - a<t>² (tanh)."""
    batch, hidden = h.shape
    zero, one = h.dtype.type(0.0), h.dtype.type(1.0)
    for b in range(batch):
        row, da, d = h[b], grad_h[b], delta[b]
        if relu:
            for j in range(hidden):
                d[j] = da[j] * (one if row[j] > zero else zero)
        else:
            for j in range(hidden):
                d[j] = da[j] * (one - row[j] * row[j])


def gru_forward(recurrent, projected, h_prev, gates, candidate, h) -> None:
    """The gates (Γr, z), c~<t> and a<t> into `gates`, `candidate`, `h` from
    a<t-1> W_hhᵀ + b_hh, the projected input and a<t-1>."""
    dtype = recurrent.dtype
    projected = np.ascontiguousarray(projected, dtype=dtype)
    h_prev = np.ascontiguousarray(h_prev, dtype=dtype)
    _gru_forward(recurrent, projected, h_prev, gates, candidate, h)


def gru_backward(gates, candidate, recurrent_n, h_prev, grad_h, d_input, delta):
    """Write both δ into `d_input` and `delta`; return da<t> z."""
    dtype = gates.dtype
    h_prev = np.ascontiguousarray(h_prev, dtype=dtype)
    grad_h = np.ascontiguousarray(grad_h, dtype=dtype)
    through_keep = np.empty_like(h_prev)
    _gru_backward(gates, candidate, recurrent_n, h_prev, grad_h, d_input, delta, through_keep)
    return through_keep


def rnn_forward(h, projected, relu: bool):
    """g(h + projected) into h (a<t-1> W_hhᵀ on entry)."""
    _rnn_forward(h, np.ascontiguousarray(projected, dtype=h.dtype), relu)
    return h


def rnn_backward(h, grad_h, delta, relu: bool) -> None:
    """δ<t> = da<t> g'(·), written into `delta`."""
    _rnn_backward(h, np.ascontiguousarray(grad_h, dtype=h.dtype), delta, relu)
