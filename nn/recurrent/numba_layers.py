"""The layer nodes' time loops compiled whole (numba), for NumPy arrays on the CPU.

Why: a layer node (layers.py) runs a step as one matmul and one compiled gate kernel.
Called from a Python loop, those two calls and the step's slicing cost about ten
microseconds a step, forward and again backward. At the shapes of a course model
(batch 16, H = 64) that is as long as the step's arithmetic. Here the whole loop is
one compiled call. Each step calls the same gate kernels (numba_gates.py) and NumPy's
own gemm (minigrad/numba_blas.py), on the same arrays, in the same order as the
Python loop in layers.py. The numbers are therefore the same to the bit (a test
checks this). The Python loop stays the reference, and it is what CuPy and the strict
backend run.

Arguments are NumPy arrays of one float dtype with C-contiguous rows and no zero-size
dimension (layers.py checks); `gemm` is numba_blas.gemm_address(dtype). Forward loops
run the steps in time order, or reversed for the reverse reading. Backward loops run
them the other way. When `seen_h` (`seen_c`) has rows, each step's ∂L/∂a<t>
(∂L/∂c<t>) is copied into it for the pictures, as the step node would have received it.
"""
from __future__ import annotations

import numba

from minigrad.numba_blas import matmul_into

from .numba_gates import (
    _JIT,
    _backward,
    _forward,
    _gru_backward,
    _gru_forward,
    _rnn_backward,
    _rnn_forward,
)


@numba.njit(**_JIT)
def _add_into(total, part):
    """total += part, both (batch, H)."""
    for b in range(total.shape[0]):
        for j in range(total.shape[1]):
            total[b, j] += part[b, j]


@numba.njit(**_JIT)
def _copy_into(target, source):
    """target[:] = source, both (batch, H). (numba compiles `target[...] = source`, a
    broadcasting assignment, several times slower: seconds, once per signature.)"""
    for b in range(target.shape[0]):
        for j in range(target.shape[1]):
            target[b, j] = source[b, j]


@numba.njit(**_JIT)
def _state_before(initial, states, t, reverse):
    """The state step t started from: the initial one for the first step run, else the
    state of the step run before it (t - 1, or t + 1 in the reverse reading)."""
    if reverse:
        return initial if t == states.shape[0] - 1 else states[t + 1]
    return initial if t == 0 else states[t - 1]


@numba.njit(**_JIT)
def lstm_forward(gemm, reverse, h, c, weight_t, projected, gates, all_c, all_tanh_c, all_h):
    """gates<t> = a<t-1> W_hhᵀ (σ columns halved), then the gates, c<t>, tanh c<t>, a<t>."""
    steps = projected.shape[0]
    for i in range(steps):
        t = steps - 1 - i if reverse else i
        matmul_into(gemm, h, weight_t, gates[t], False)
        _forward(gates[t], projected[t], c, all_c[t], all_tanh_c[t], all_h[t])
        h, c = all_h[t], all_c[t]


@numba.njit(**_JIT)
def lstm_backward(gemm, reverse, gates, all_tanh_c, all_c, c0, grad_output, grad_h, grad_c,
                  spare, delta, weight_hh, seen_h, seen_c):
    """δ<t> into `delta` for every step; on return grad_h holds ∂L/∂a<0> (before the first
    step run) and the returned array (grad_c or spare) ∂L/∂c<0>."""
    steps = gates.shape[0]
    observe = seen_h.shape[0] > 0
    for i in range(steps):
        t = i if reverse else steps - 1 - i
        _add_into(grad_h, grad_output[t])                # ∂L/∂a<t> += the output's share
        c_prev = _state_before(c0, all_c, t, reverse)
        if observe:
            _copy_into(seen_h[t], grad_h)
            _copy_into(seen_c[t], grad_c)
        _backward(gates[t], all_tanh_c[t], c_prev, grad_h, grad_c, delta[t], spare)
        grad_c, spare = spare, grad_c                     # dc<t-1> = dc Γf
        matmul_into(gemm, delta[t], weight_hh, grad_h, False)  # da<t-1> = δ<t> W_hh
    return grad_c


@numba.njit(**_JIT)
def gru_forward(gemm, reverse, h, weight_t, scaled_bias, projected, recurrent, gates,
                all_candidate, all_h):
    """recurrent<t> = a<t-1> W_hhᵀ (+ b_hh), r and z columns halved, then the gates,
    c~<t> and a<t>. `scaled_bias` has no elements when the layer has no b_hh."""
    steps = projected.shape[0]
    biased = scaled_bias.shape[0] > 0
    for i in range(steps):
        t = steps - 1 - i if reverse else i
        row = recurrent[t]
        matmul_into(gemm, h, weight_t, row, False)
        if biased:
            for b in range(row.shape[0]):
                for k in range(row.shape[1]):
                    row[b, k] += scaled_bias[k]
        _gru_forward(row, projected[t], h, gates[t], all_candidate[t], all_h[t])
        h = all_h[t]


@numba.njit(**_JIT)
def gru_backward(gemm, reverse, gates, all_candidate, recurrent, all_h, h0, grad_output, grad_h,
                 through_keep, d_input, d_hidden, weight_hh, seen_h):
    """Both δ of every step into `d_input` and `d_hidden`; on return grad_h holds ∂L/∂a<0>."""
    steps = gates.shape[0]
    hidden = h0.shape[1]
    observe = seen_h.shape[0] > 0
    for i in range(steps):
        t = i if reverse else steps - 1 - i
        _add_into(grad_h, grad_output[t])
        h_prev = _state_before(h0, all_h, t, reverse)
        if observe:
            _copy_into(seen_h[t], grad_h)
        _gru_backward(gates[t], all_candidate[t], recurrent[t][:, 2 * hidden:], h_prev, grad_h,
                      d_input[t], d_hidden[t], through_keep)
        matmul_into(gemm, d_hidden[t], weight_hh, grad_h, False)
        _add_into(grad_h, through_keep)                   # a<t-1> also flows straight through z


@numba.njit(**_JIT)
def rnn_forward(gemm, reverse, h, weight_t, projected, all_h, relu):
    """a<t> = g(a<t-1> W_aaᵀ + projected<t>), g = relu or tanh."""
    steps = projected.shape[0]
    for i in range(steps):
        t = steps - 1 - i if reverse else i
        matmul_into(gemm, h, weight_t, all_h[t], False)
        _rnn_forward(all_h[t], projected[t], relu)
        h = all_h[t]


@numba.njit(**_JIT)
def rnn_backward(gemm, reverse, all_h, grad_output, grad_h, delta, weight_hh, relu, seen_h):
    """δ<t> = da<t> g'(·) into `delta`; on return grad_h holds ∂L/∂a<0>."""
    steps = all_h.shape[0]
    observe = seen_h.shape[0] > 0
    for i in range(steps):
        t = i if reverse else steps - 1 - i
        _add_into(grad_h, grad_output[t])
        if observe:
            _copy_into(seen_h[t], grad_h)
        _rnn_backward(all_h[t], grad_h, delta[t], relu)
        matmul_into(gemm, delta[t], weight_hh, grad_h, False)
