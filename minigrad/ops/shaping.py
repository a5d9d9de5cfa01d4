"""Ops that rearrange elements without changing them: their backward rearranges back."""
from __future__ import annotations

from ..keywords import accepts_torch_keywords
from .base import Op, as_int, check_axis, normalize_axes, reduce_to


def _shape_arg(shape, op_name: str = "reshape") -> tuple:
    """Accept both f(2, 3) and f((2, 3)); every entry must be an integer (no 3.5)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(as_int(n, op_name, "shape") for n in shape)


class Reshape(Op):
    storage_view = True  # the output views the input's storage: one version counter

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.inputs[0].shape)


class Transpose(Op):
    storage_view = True  # the output views the input's storage: one version counter

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):  # undo the permutation
        inverse = [0] * len(ctx.axes)
        for i, a in enumerate(ctx.axes):
            inverse[a] = i
        return g.transpose(tuple(inverse))


class BroadcastTo(Op):
    @staticmethod
    def forward(ctx, x, shape):
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):  # a broadcast copy sends back the sum of its copies' gradients
        return reduce_to(g, ctx.values(g)[0])


@accepts_torch_keywords
def reshape(x, *shape):
    """The same elements in a new shape (`reshape(2, 3)` or `reshape((2, 3))`; -1 allowed).

    As `torch.reshape`; also `x.reshape(...)` and `x.view(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *shape: the new shape, as ints or one tuple; one entry may be -1.

    Returns:
        Tensor: a tensor with the same elements.

    Raises:
        ValueError: when the element counts differ.

    Examples:
        >>> mg.reshape(mg.arange(6), 2, 3)
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> mg.arange(6).reshape((3, -1)).shape
        (3, 2)
    """
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def transpose(x, *axes, dim0=None, dim1=None):
    """No axes: reverse them. Two axes: swap them (PyTorch, any ndim; also as dim0=, dim1=).
    A full permutation of ndim > 2 axes: permute (NumPy). Anything else, or an axis out of
    range, raises.

    With two axes, as `torch.transpose`; with none, as NumPy's `.T`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *axes: none, two axes to swap, or a full permutation.
        dim0: PyTorch's first axis.
        dim1: PyTorch's second axis.

    Returns:
        Tensor: the transposed tensor.

    Raises:
        ValueError: for axes out of range or an incomplete permutation.

    Examples:
        >>> x = mg.arange(6).reshape(2, 3)
        >>> mg.transpose(x)
        tensor([[0, 3],
                [1, 4],
                [2, 5]])
        >>> mg.transpose(mg.zeros(2, 3, 4), 0, 2).shape
        (4, 3, 2)
    """
    if dim0 is not None or dim1 is not None:
        if axes or dim0 is None or dim1 is None:
            raise TypeError("transpose: give both dim0= and dim1= (and no positional axes)")
        return swapaxes(x, dim0, dim1)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        return permute(x, *axes[0])
    if not axes:
        return permute(x, *reversed(range(x.ndim)))
    if len(axes) == 2:
        return swapaxes(x, *axes)
    if len(axes) == x.ndim:
        return permute(x, *axes)
    raise ValueError(
        f"transpose: got {len(axes)} axes {axes} for a tensor of shape {tuple(x.shape)}; give "
        "none (reverse), two (swap them), or a full permutation (use permute(*dims))"
    )


def permute(x, *axes):
    """A full permutation of the axes: `permute(2, 0, 1)` or `permute((2, 0, 1))`.

    As `torch.permute`; also `x.permute(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *axes: the new order of the axes, as ints or one tuple.

    Returns:
        Tensor: the permuted tensor.

    Examples:
        >>> mg.permute(mg.zeros(2, 3, 4), 2, 0, 1).shape
        (4, 2, 3)
    """
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    axes = tuple(check_axis("permute", a, x.ndim) for a in axes)
    if x.ndim == 0 and not axes:
        return x
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(
            f"permute: axes {axes} are not a permutation of the {x.ndim} axes of a tensor "
            f"of shape {tuple(x.shape)} (use swapaxes(a, b) or transpose(a, b) to swap two)"
        )
    if axes == tuple(range(x.ndim)):
        return x
    return Transpose.apply(x, axes=axes)


@accepts_torch_keywords(dim0="axis1", dim1="axis2")
def swapaxes(x, axis1, axis2):
    """Swap two axes (PyTorch's transpose(dim0, dim1)).

    NumPy's name; PyTorch's `swapaxes` is the same.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis1: one axis.
        axis2: the other.

    Returns:
        Tensor: x with the two axes exchanged.

    Examples:
        >>> mg.swapaxes(mg.zeros(2, 3, 4), 0, 2).shape
        (4, 3, 2)
    """
    axes = list(range(x.ndim))
    if x.ndim == 0:
        check_axis("swapaxes", axis1, 0), check_axis("swapaxes", axis2, 0)
        return x
    a, b = check_axis("swapaxes", axis1, x.ndim), check_axis("swapaxes", axis2, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, *axes)


def t(x):
    """PyTorch's `.t()`: the transpose of a tensor of at most 2 dimensions.

    Args:
        x: a tensor of at most 2 dimensions.

    Returns:
        Tensor: its transpose (1-D and 0-D tensors unchanged).

    Raises:
        ValueError: for more than 2 dimensions.

    Examples:
        >>> mg.t(mg.arange(6).reshape(2, 3))
        tensor([[0, 3],
                [1, 4],
                [2, 5]])
    """
    if x.ndim > 2:
        raise ValueError(
            f"t: expects a tensor of at most 2 dimensions, got shape {tuple(x.shape)}; use "
            "transpose(a, b) to swap two axes or permute(*dims)"
        )
    return transpose(x)


@accepts_torch_keywords
def squeeze(x, axis=None):
    """Drop axes of length 1 (all of them, or the given ones, which must be length 1).

    Unlike `torch.squeeze`, naming an axis whose length is not 1 raises instead of doing
    nothing.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: None (every length-1 axis) or an int or tuple of axes.

    Returns:
        Tensor: x without those axes.

    Examples:
        >>> mg.squeeze(mg.zeros(1, 3, 1)).shape
        (3,)
        >>> mg.squeeze(mg.zeros(1, 3, 1), axis=0).shape
        (3, 1)
    """
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = normalize_axes(axis, x.ndim, "squeeze")
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} has length {x.shape[a]}, not 1 (shape {tuple(x.shape)}); "
                "PyTorch would silently keep it, minigrad refuses so the shape is what you expect"
            )
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


@accepts_torch_keywords
def unsqueeze(x, axis):
    """Insert an axis of length 1 at `axis` (negative counts from the end of the result).

    As `torch.unsqueeze`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: where the new axis goes.

    Returns:
        Tensor: x with one more axis.

    Examples:
        >>> mg.unsqueeze(mg.zeros(3), 0).shape
        (1, 3)
        >>> mg.unsqueeze(mg.zeros(3), -1).shape
        (3, 1)
    """
    axis = check_axis("unsqueeze", axis, x.ndim, extra=1)
    shape = list(x.shape)
    shape.insert(axis, 1)
    return reshape(x, tuple(shape))


@accepts_torch_keywords
def flatten(x, start_axis=0, end_axis=-1):
    """Merge axes `start_axis`..`end_axis` into one.

    As `torch.flatten`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        start_axis: the first axis merged (PyTorch's `start_dim=`).
        end_axis: the last axis merged (PyTorch's `end_dim=`).

    Returns:
        Tensor: the flattened tensor.

    Examples:
        >>> mg.flatten(mg.zeros(2, 3, 4)).shape
        (24,)
        >>> mg.flatten(mg.zeros(2, 3, 4), start_axis=1).shape
        (2, 12)
    """
    if x.ndim == 0:
        check_axis("flatten", start_axis, 0), check_axis("flatten", end_axis, 0)
        return reshape(x, (1,))
    start = check_axis("flatten", start_axis, x.ndim)
    end = check_axis("flatten", end_axis, x.ndim)
    if start > end:
        raise ValueError(
            f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for a tensor of "
            f"shape {tuple(x.shape)}"
        )
    merged = 1
    for n in x.shape[start:end + 1]:
        merged *= n
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def broadcast_to(x, *shape):
    """A broadcast view of x with `shape`; its gradient sums the copies back.

    As `torch.broadcast_to`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *shape: the target shape, as ints or one tuple.

    Returns:
        Tensor: x broadcast to `shape`.

    Raises:
        ValueError: when x cannot broadcast to `shape`.

    Examples:
        >>> mg.broadcast_to(mg.tensor([1.0, 2.0]), 2, 2)
        tensor([[1., 2.],
                [1., 2.]])
    """
    shape = _shape_arg(shape, "broadcast_to")
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def expand(x, *sizes):
    """PyTorch's expand: broadcast to `sizes`, where -1 keeps that axis' length.

    As `torch.Tensor.expand`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        *sizes: the target shape; -1 keeps an axis.

    Returns:
        Tensor: x broadcast to `sizes`.

    Examples:
        >>> mg.expand(mg.tensor([[1.0], [2.0]]), -1, 3)
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
    """
    sizes = _shape_arg(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a tensor of {x.ndim} dimensions "
                         f"(shape {tuple(x.shape)}); give at least one size per axis")
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    if any(n < 0 for n in shape):
        raise ValueError(f"expand: -1 is only allowed for existing axes, got {sizes}")
    return broadcast_to(x, shape)


class Clone(Op):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def clone(x):
    """A differentiable copy with its own array.

    As `torch.clone`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a copy; gradients flow back to x.

    Examples:
        >>> x = mg.tensor([1.0, 2.0])
        >>> y = mg.clone(x)
        >>> y.data is x.data
        False
    """
    return Clone.apply(x)
