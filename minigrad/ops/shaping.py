"""Ops that rearrange elements without changing them: their backward rearranges back."""
from __future__ import annotations

from .base import Op, axis_index, reduce_to


def _shape_arg(shape) -> tuple:
    """Accept both f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


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


def reshape(x, *shape):
    """The same elements in a new shape (`reshape(2, 3)` or `reshape((2, 3))`; -1 allowed)."""
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def transpose(x, *axes):
    """NumPy's transpose: a full permutation of the axes; none given reverses them."""
    axes = _shape_arg(axes) if axes else tuple(reversed(range(x.ndim)))
    if sorted(a % x.ndim if x.ndim else a for a in axes) != list(range(x.ndim)):
        raise ValueError(
            f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of a tensor "
            f"of shape {tuple(x.shape)} (use swapaxes(a, b) to swap two)"
        )
    axes = tuple(a % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return Transpose.apply(x, axes=axes)


def permute(x, *axes):
    """Same as `transpose(*axes)`: a full permutation of the axes."""
    return transpose(x, *axes)


def swapaxes(x, axis1, axis2):
    """Swap two axes."""
    axis1, axis2 = axis_index(axis1, x.ndim, "swapaxes"), axis_index(axis2, x.ndim, "swapaxes")
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, *axes)


def squeeze(x, axis=None):
    """Drop axes of length 1 (all of them, or the given ones, which must be length 1)."""
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = {0 if x.ndim == 0 and a in (0, -1) else axis_index(a, x.ndim, "squeeze") for a in axes}
    if x.ndim == 0:
        return x
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} has length {x.shape[a]}, not 1 (shape {tuple(x.shape)})"
            )
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x, axis):
    """Insert an axis of length 1 at `axis` (negative counts from the end of the result)."""
    axis = axis_index(axis, x.ndim, "unsqueeze", new_axis=True)
    shape = list(x.shape)
    shape.insert(axis, 1)
    return reshape(x, tuple(shape))


def flatten(x, start_axis=0, end_axis=-1):
    """Merge axes `start_axis`..`end_axis` into one."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = start_axis % x.ndim, end_axis % x.ndim
    merged = 1
    for n in x.shape[start:end + 1]:
        merged *= n
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def broadcast_to(x, *shape):
    """A broadcast view of x with `shape`; its gradient sums the copies back."""
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)
