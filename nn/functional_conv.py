"""Convolution and pooling over one axis (time): `conv1d`, `max_pool1d`, `avg_pool1d`.

A 1-D convolution slides a filter of K taps along time. Written as im2col, it is one
gather and one matmul: the window of x under output step j, taps k = 0..K-1,

    cols[n, c, k, j] = x_pad[n, c, j·stride + k·dilation]

and the output is y[n, o, j] = Σ_{c,k} W[o, c, k] · cols[n, c, k, j] + b[o], a matmul
over the (c, k) axis, one per group. Tap k of every window is one strided slice of
x_pad, so the gather is K slice copies (a loop over the taps, never over positions;
faster than one integer-array gather, and no stride tricks, which CuPy and the
strict backend do not share). Backward is the adjoint: the matmul's two products,
then col2im, which adds each tap's slice of the gathered gradient back into x.

`conv1d` is one first-order `mg.Function` (its backward is written by hand on
arrays): `mg.grad(..., create_graph=True)` through it raises, as for any Function.
Pooling is composed from differentiable ops on the same gathered windows.
"""
from __future__ import annotations

from typing import Any

import minigrad as mg

_PADDING_WORDS = ("same", "valid")


def _single(value: Any, name: str, who: str) -> int:
    """An int, or a one-item tuple/list (PyTorch's `_single`), as an int."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{who}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{who}: {name} must be an int, got {value!r}")
    return value


def conv_padding(padding: Any, kernel_size: int, stride: int, dilation: int, who: str) -> tuple[int, int]:
    """(left, right) zero padding for an int, a 1-tuple, "valid" or "same".

    "same" keeps the length at stride 1: the d·(K-1) extra positions are split with
    the odd one on the right, as PyTorch does.
    """
    if isinstance(padding, str):
        if padding not in _PADDING_WORDS:
            raise ValueError(f"{who}: padding must be an int, 'same' or 'valid', got {padding!r}")
        if padding == "valid":
            return 0, 0
        if stride != 1:
            raise ValueError(f"{who}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride}); pass an int padding instead")
        total = dilation * (kernel_size - 1)
        return total // 2, total - total // 2
    padding = _single(padding, "padding", who)
    if padding < 0:
        raise ValueError(f"{who}: padding must be non-negative, got {padding}")
    return padding, padding


def output_length(length: int, kernel_size: int, stride: int, dilation: int, left: int, right: int) -> int:
    """L_out = floor((L + pads - d·(K-1) - 1) / stride) + 1 (PyTorch's formula)."""
    return (length + left + right - dilation * (kernel_size - 1) - 1) // stride + 1


def _pad(xp, x, left: int, right: int, value: float = 0.0):
    """x padded on its last axis with `value` (a fresh array only when needed)."""
    if not left and not right:
        return x
    out = xp.full(x.shape[:-1] + (x.shape[-1] + left + right,), value, dtype=x.dtype)
    out[..., left:left + x.shape[-1]] = x
    return out


def _window_index(xp, kernel_size: int, length_out: int, stride: int, dilation: int):
    """index[k, j] = j·stride + k·dilation: the padded position tap k reads at step j."""
    taps = xp.arange(kernel_size).reshape(kernel_size, 1) * dilation
    steps = xp.arange(length_out).reshape(1, length_out) * stride
    return taps + steps


class Conv1dFunction(mg.Function):
    """y = conv1d(x, W) (+ b): im2col forward, col2im backward (see the module doc)."""

    @staticmethod
    def forward(ctx, x, weight, *bias, stride, left, right, dilation, groups):
        xp = ctx.xp
        batch = x.shape[0]
        out_channels, group_channels, kernel_size = weight.shape
        x_pad = _pad(xp, x, left, right)
        length_out = (x_pad.shape[-1] - dilation * (kernel_size - 1) - 1) // stride + 1
        # im2col: tap k of every window is one strided slice of x_pad (a loop over taps).
        cols = xp.empty(x_pad.shape[:2] + (kernel_size, length_out), dtype=x.dtype)
        span = stride * (length_out - 1) + 1
        for k in range(kernel_size):
            cols[:, :, k, :] = x_pad[:, :, k * dilation:k * dilation + span:stride]
        # cols (N, g, Cg·K, L_out); weight (g, Og, Cg·K); one batched matmul per group.
        cols = cols.reshape(batch, groups, group_channels * kernel_size, length_out)
        w = weight.reshape(groups, out_channels // groups, group_channels * kernel_size)
        out = xp.matmul(w, cols).reshape(batch, out_channels, length_out)
        if bias:
            out += bias[0].reshape(1, out_channels, 1)
        ctx.cols, ctx.geometry = cols, (x_pad.shape, stride, left, dilation, groups, kernel_size)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        xp = ctx.xp
        x, weight = ctx.inputs[0], ctx.inputs[1]
        padded_shape, stride, left, dilation, groups, kernel_size = ctx.geometry
        batch, out_channels, length_out = grad_out.shape
        group_channels = weight.shape[1]
        cols = ctx.cols
        g = grad_out.reshape(batch, groups, out_channels // groups, length_out)
        grad_w = grad_x = grad_b = None
        if weight._requires_grad:
            # ∂L/∂W[g] = Σ_n g[n, g] cols[n, g]ᵀ
            grad_w = xp.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
        if x._requires_grad:
            w = weight.data.reshape(groups, out_channels // groups, group_channels * kernel_size)
            # ∂L/∂cols = Wᵀ g: one matmul per group over all N·L_out columns at once.
            g_columns = g.transpose(1, 2, 0, 3).reshape(groups, out_channels // groups, batch * length_out)
            grad_cols = xp.matmul(w.transpose(0, 2, 1), g_columns)  # (g, Cg·K, N·L_out)
            grad_cols = grad_cols.reshape(groups * group_channels, kernel_size, batch, length_out)
            grad_cols = grad_cols.transpose(2, 0, 1, 3)  # (N, C, K, L_out)
            grad_pad = xp.zeros(padded_shape, dtype=grad_out.dtype)
            span = stride * (length_out - 1) + 1
            for k in range(kernel_size):  # col2im: tap k read x_pad[k·d + j·stride]
                start = k * dilation
                grad_pad[:, :, start:start + span:stride] += grad_cols[:, :, k, :]
            grad_x = grad_pad[:, :, left:left + x.shape[-1]]
        if len(ctx.inputs) > 2 and ctx.inputs[2]._requires_grad:
            grad_b = grad_out.sum(axis=(0, 2))
        return (grad_x, grad_w) + ((grad_b,) if len(ctx.inputs) > 2 else ())


def conv1d(input: mg.Tensor, weight: mg.Tensor, bias: mg.Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> mg.Tensor:
    """torch.nn.functional.conv1d: input (N, C_in, L) or (C_in, L), weight
    (C_out, C_in/groups, K), bias (C_out,) → (N, C_out, L_out) (or (C_out, L_out)).

    `padding` is an int or "valid"/"same" ("same" needs stride 1). Raises ValueError
    naming the shapes when channels, groups or lengths do not fit.
    """
    who = "conv1d"
    stride = _single(stride, "stride", who)
    dilation = _single(dilation, "dilation", who)
    if stride < 1 or dilation < 1 or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{who}: stride, dilation and groups must be positive ints, got "
                         f"stride={stride}, dilation={dilation}, groups={groups}")
    if weight.ndim != 3:
        raise ValueError(f"{who}: weight must be (out_channels, in_channels/groups, kernel_size), "
                         f"got shape {tuple(weight.shape)}")
    unbatched = input.ndim == 2
    if input.ndim not in (2, 3):
        raise ValueError(f"{who}: expected input (N, C, L) or unbatched (C, L), got shape {tuple(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    out_channels, group_channels, kernel_size = weight.shape
    channels, length = input.shape[1], input.shape[2]
    if channels != group_channels * groups or out_channels % groups:
        raise ValueError(
            f"{who}: input has {channels} channels and weight is {tuple(weight.shape)} with "
            f"groups={groups}; need in_channels = weight.shape[1]·groups and out_channels "
            f"divisible by groups")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{who}: bias must be ({out_channels},), got {tuple(bias.shape)}")
    left, right = conv_padding(padding, kernel_size, stride, dilation, who)
    if output_length(length, kernel_size, stride, dilation, left, right) < 1:
        raise ValueError(
            f"{who}: input length {length} (padded {length + left + right}) is shorter than the "
            f"kernel's reach {dilation * (kernel_size - 1) + 1} (kernel_size={kernel_size}, dilation={dilation})")
    extra = (bias,) if bias is not None else ()
    out = Conv1dFunction.apply(input, weight, *extra, stride=stride, left=left, right=right,
                               dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out


def _windows(x: mg.Tensor, kernel_size: int, stride: int, dilation: int, left: int, right: int,
             value: float) -> mg.Tensor:
    """x (N, C, L) → its windows (N, C, L_out, K) padded with `value`, differentiably."""
    if left or right:
        shape = tuple(x.shape[:-1])
        parts = [mg.full(shape + (left,), value, dtype=x.dtype, backend=x.backend), x,
                 mg.full(shape + (right,), value, dtype=x.dtype, backend=x.backend)]
        x = mg.cat([p for p in parts if p.shape[-1]], axis=-1)
    length_out = (x.shape[-1] - dilation * (kernel_size - 1) - 1) // stride + 1
    index = _window_index(mg.get_array_module(x.data), kernel_size, length_out, stride, dilation)
    return x[:, :, mg.Tensor(index.T)]


def _pool_geometry(x: mg.Tensor, kernel_size, stride, padding, dilation, who):
    kernel_size = _single(kernel_size, "kernel_size", who)
    stride = kernel_size if stride is None else _single(stride, "stride", who)
    padding = _single(padding, "padding", who)
    dilation = _single(dilation, "dilation", who)
    if x.ndim not in (2, 3):
        raise ValueError(f"{who}: expected input (N, C, L) or unbatched (C, L), got shape {tuple(x.shape)}")
    if kernel_size < 1 or stride < 1 or dilation < 1:
        raise ValueError(f"{who}: kernel_size, stride and dilation must be positive")
    if not 0 <= padding <= kernel_size // 2:
        raise ValueError(f"{who}: padding should be at most half of kernel size, got "
                         f"padding={padding}, kernel_size={kernel_size}")
    if output_length(x.shape[-1], kernel_size, stride, dilation, padding, padding) < 1:
        raise ValueError(f"{who}: input length {x.shape[-1]} is too short for kernel_size={kernel_size}")
    return kernel_size, stride, padding, dilation


def max_pool1d(input: mg.Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> mg.Tensor:
    """torch.nn.functional.max_pool1d: the max over each window (padding is -inf).

    `ceil_mode` and `return_indices` are not supported (NotImplementedError).
    """
    if ceil_mode or return_indices:
        raise NotImplementedError("max_pool1d: ceil_mode and return_indices are not supported")
    kernel_size, stride, padding, dilation = _pool_geometry(input, kernel_size, stride, padding,
                                                            dilation, "max_pool1d")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    out = _windows(x, kernel_size, stride, dilation, padding, padding, float("-inf")).max(axis=-1)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input: mg.Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> mg.Tensor:
    """torch.nn.functional.avg_pool1d: the mean over each window.

    Zero padding counts in the mean unless `count_include_pad=False`. `ceil_mode` is
    not supported (NotImplementedError).
    """
    if ceil_mode:
        raise NotImplementedError("avg_pool1d: ceil_mode is not supported")
    kernel_size, stride, padding, _ = _pool_geometry(input, kernel_size, stride, padding, 1,
                                                     "avg_pool1d")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    total = _windows(x, kernel_size, stride, 1, padding, padding, 0.0).sum(axis=-1)
    if count_include_pad or not padding:
        out = total / kernel_size
    else:
        ones = mg.ones(1, 1, x.shape[-1], dtype=x.dtype, backend=x.backend)
        out = total / _windows(ones, kernel_size, stride, 1, padding, padding, 0.0).sum(axis=-1)
    return out.squeeze(0) if unbatched else out


def batch_norm(input: mg.Tensor, running_mean: mg.Tensor | None, running_var: mg.Tensor | None,
               weight: mg.Tensor | None = None, bias: mg.Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> mg.Tensor:
    """torch.nn.functional.batch_norm over the channel axis 1 of (N, C) or (N, C, L).

    Training normalises with the batch's own mean and (biased) variance,
    x̂ = (x - μ) / sqrt(σ² + ε), y = γ x̂ + β, and updates the running statistics in
    place: running ← (1 - momentum)·running + momentum·batch, with the *unbiased*
    variance, as PyTorch. Evaluation normalises with the running statistics.
    """
    if input.ndim not in (2, 3):
        raise ValueError(f"batch_norm: expected (N, C) or (N, C, L) input, got shape {tuple(input.shape)}")
    channels = input.shape[1]
    axes = (0,) if input.ndim == 2 else (0, 2)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise ValueError(f"batch_norm: {name} must be ({channels},) for input "
                             f"{tuple(input.shape)}, got {tuple(tensor.shape)}")
    if training:
        count = input.size // channels
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(input.shape)}")
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None or running_var is not None:
            with mg.no_grad():
                if running_mean is not None:
                    running_mean.data = ((1 - momentum) * running_mean.data
                                         + momentum * mean.data.reshape(channels))
                if running_var is not None:
                    unbiased = var.data.reshape(channels) * (count / (count - 1))
                    running_var.data = (1 - momentum) * running_var.data + momentum * unbiased
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
        centred = input - running_mean.reshape(*shape)
        var = running_var.reshape(*shape)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(*shape)
    if bias is not None:
        out = out + bias.reshape(*shape)
    return out
