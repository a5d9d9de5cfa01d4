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

    "same" keeps the length at stride 1: the dilation·(K-1) extra positions are split
    with the odd one on the right, as PyTorch does.

    Args:
        padding: an int, a 1-tuple, "valid" or "same".
        kernel_size: K.
        stride: the stride ("same" needs 1).
        dilation: the dilation.
        who: the caller's name for error messages.

    Returns:
        `(left, right)`.

    Raises:
        ValueError: an unknown word, a negative padding, or "same" with stride > 1.
        TypeError: a padding that is not an int (or 1-tuple).

    Examples:
        >>> nn.functional_conv.conv_padding("same", 4, 1, 1, "conv1d")
        (1, 2)
        >>> nn.functional_conv.conv_padding(2, 3, 1, 1, "conv1d")
        (2, 2)
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
    """L_out = floor((L + pads - dilation·(K-1) - 1) / stride) + 1 (PyTorch's formula).

    Args:
        length: L.
        kernel_size: K.
        stride: the stride.
        dilation: the dilation.
        left: the padding on the left.
        right: the padding on the right.

    Returns:
        The output length (< 1 means the input is too short).

    Examples:
        >>> nn.functional_conv.output_length(100, 5, 2, 1, 0, 0)
        48
    """
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
    """y = conv1d(x, W) (+ b) as one first-order op: im2col forward, col2im backward.

    The differentiable op behind `nn.functional.conv1d` (which checks its inputs;
    call that instead). `mg.grad(..., create_graph=True)` through it raises, as for
    any `mg.Function`.

    Examples:
        >>> x, w = mg.ones(1, 1, 4), mg.ones(1, 1, 2)
        >>> nn.functional_conv.Conv1dFunction.apply(x, w, stride=1, left=0, right=0,
        ...                                         dilation=1, groups=1).tolist()
        [[[2.0, 2.0, 2.0]]]
    """

    @staticmethod
    def forward(ctx, x, weight, *bias, stride, left, right, dilation, groups):
        """The im2col forward: gather each tap's strided slice, then one matmul per group.

        cols[n, c, k, j] = x_pad[n, c, j·stride + k·dilation];
        y[n, o, j] = Σ_{c,k} W[o, c, k] · cols[n, c, k, j] + b[o].

        Args:
            ctx (Conv1dFunction): the graph node (keeps cols for backward).
            x (array): (N, C_in, L).
            weight (array): (C_out, C_in/groups, K).
            *bias (array): an optional (C_out,).
            stride (int): the stride.
            left (int): zero padding on the left.
            right (int): zero padding on the right.
            dilation (int): the dilation.
            groups (int): the number of channel groups.

        Returns:
            out (array): (N, C_out, L_out).

        Examples:
            >>> y = nn.functional.conv1d(mg.tensor([[[1.0, 2.0, 3.0, 4.0]]]), mg.tensor([[[1.0, -1.0]]]))
            >>> y.tolist()
            [[[-1.0, -1.0, -1.0]]]
        """
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
        """The adjoint: ∂L/∂W = Σ_n g colsᵀ, ∂L/∂cols = Wᵀ g then col2im, ∂L/∂b = Σ g.

        col2im adds each tap's slice of the gathered gradient back into x's padded positions.

        Args:
            ctx (Conv1dFunction): the graph node.
            grad_out (array): the (N, C_out, L_out) upstream gradient.

        Returns:
            grads (tuple): the gradients of (x, weight[, bias]); None for inputs that need none.

        Examples:
            >>> x = mg.ones(1, 1, 4, requires_grad=True)
            >>> w = mg.ones(1, 1, 2, requires_grad=True)
            >>> nn.functional.conv1d(x, w).sum().backward()
            >>> x.grad.tolist(), w.grad.tolist()          # each x[i] is read by 1 or 2 windows
            ([[[1.0, 2.0, 2.0, 1.0]]], [[[3.0, 3.0]]])
        """
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
    """A 1-D convolution (cross-correlation, as every framework), as `torch.nn.functional.conv1d`.

    input (N, C_in, L) or (C_in, L), weight (C_out, C_in/groups, K), bias (C_out,) →
    (N, C_out, L_out) (or (C_out, L_out)), with
    y[n, o, j] = Σ_{c,k} W[o, c, k] · x_pad[n, c, j·stride + k·dilation] + b[o].

    Args:
        input: (N, C_in, L) or (C_in, L).
        weight: (C_out, C_in/groups, K).
        bias: (C_out,) or None.
        stride: an int or 1-tuple.
        padding: an int, 1-tuple, "valid" or "same" ("same" needs stride 1).
        dilation: an int or 1-tuple.
        groups: the number of independent channel groups.

    Returns:
        (N, C_out, L_out) or (C_out, L_out).

    Raises:
        ValueError: channels, groups, bias or lengths that do not fit, named.
        TypeError: a size that is not an int.

    Examples:
        >>> x = mg.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
        >>> w = mg.tensor([[[1.0, 0.0, -1.0]]])
        >>> nn.functional.conv1d(x, w).tolist()
        [[[-2.0, -2.0, -2.0]]]
        >>> nn.functional.conv1d(x, w, padding="same", dilation=2).tolist()
        [[[-3.0, -4.0, -4.0, 2.0, 3.0]]]
        >>> nn.functional.conv1d(x, mg.ones(1, 2, 3))
        Traceback (most recent call last):
        ...
        ValueError: conv1d: input has 1 channels and weight is (1, 2, 3) with groups=1; need in_channels = weight.shape[1]·groups and out_channels divisible by groups
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
    """The max over each window (padding is -inf), as `torch.nn.functional.max_pool1d`.

    The gradient goes to each window's maximum (split at ties, as `max` does).

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window length.
        stride: the step between windows; None is `kernel_size`.
        padding: at most kernel_size // 2 on each side.
        dilation: the spacing between a window's elements.
        ceil_mode: not supported; must be False.
        return_indices: not supported; must be False.

    Returns:
        (N, C, L_out) or (C, L_out).

    Raises:
        ValueError: a bad shape, padding, or an input shorter than the window.
        NotImplementedError: `ceil_mode` or `return_indices` set.

    Examples:
        >>> nn.functional.max_pool1d(mg.tensor([[1.0, 5.0, 2.0, 4.0]]), 2).tolist()
        [[5.0, 4.0]]
        >>> nn.functional.max_pool1d(mg.tensor([[1.0, 5.0, 2.0]]), 2, stride=1, padding=1).tolist()
        [[1.0, 5.0, 5.0, 2.0]]
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
    """The mean over each window, as `torch.nn.functional.avg_pool1d`.

    Zero padding counts in the mean unless `count_include_pad=False`.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size: the window length.
        stride: the step between windows; None is `kernel_size`.
        padding: at most kernel_size // 2 on each side.
        ceil_mode: not supported; must be False.
        count_include_pad: whether padded zeros count in each mean's divisor.

    Returns:
        (N, C, L_out) or (C, L_out).

    Raises:
        ValueError: a bad shape, padding, or an input shorter than the window.
        NotImplementedError: `ceil_mode` set.

    Examples:
        >>> nn.functional.avg_pool1d(mg.tensor([[1.0, 3.0, 5.0, 7.0]]), 2).tolist()
        [[2.0, 6.0]]
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
    """Batch normalisation over the channel axis 1 of (N, C) or (N, C, L), as PyTorch's.

    Training normalises with the batch's own mean and (biased) variance,
    x̂ = (x - μ) / √(σ² + ε), y = γ x̂ + β, and updates the running statistics in place:
    running ← (1 - momentum) · running + momentum · batch, with the *unbiased*
    variance, as PyTorch. Evaluation normalises with the running statistics.

    Args:
        input: (N, C) or (N, C, L).
        running_mean: (C,) or None (updated in place in training).
        running_var: (C,) or None (updated in place in training).
        weight: γ (C,) or None.
        bias: β (C,) or None.
        training: use (and update with) the batch's statistics.
        momentum: the new batch's weight in the running statistics.
        eps: ε added to the variance.

    Returns:
        A Tensor of `input`'s shape.

    Raises:
        ValueError: a bad shape, statistics of the wrong size, one value per channel
            in training, or evaluation without running statistics.

    Examples:
        >>> x = mg.tensor([[1.0], [3.0]])
        >>> mean, var = mg.zeros(1), mg.ones(1)
        >>> nn.functional.batch_norm(x, mean, var, training=True).numpy().round(3)
        array([[-1.],
               [ 1.]], dtype=float32)
        >>> mean.tolist(), var.numpy().round(3)           # the unbiased batch variance is 2
        ([0.20000000298023224], array([1.1], dtype=float32))
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
