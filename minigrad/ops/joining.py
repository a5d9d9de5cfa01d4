"""Ops that combine or split tensors: cat, stack, split, where, maximum, minimum."""
from __future__ import annotations

from ..tensor import Tensor
from .base import Op, axis_index, lift, reduce_to


class Cat(Op):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        return ctx.xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):  # each input gets back its own slice
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for t in ctx.inputs:
            stop = start + t.data.shape[ctx.axis]
            grads.append(g[lead + (slice(start, stop),)] if t._requires_grad else None)
            start = stop
        return tuple(grads)


class Stack(Op):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        return ctx.xp.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):  # each input gets back its own slice along the new axis
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] if t._requires_grad else None for i, t in enumerate(ctx.inputs))


class Split(Op):
    storage_view = True  # the output views the input's storage: one version counter

    @staticmethod
    def forward(ctx, x, indices, axis):
        ctx.axis = axis
        return tuple(ctx.xp.split(x, indices, axis=axis))

    @staticmethod
    def backward(ctx, *grads):
        return ctx.run(Cat, *grads, axis=ctx.axis)


class Where(Op):
    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = condition
        return ctx.xp.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):  # the gradient goes to whichever side was picked
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        zero = ctx.xp.zeros((), dtype=g.dtype)
        condition = ctx.condition
        return (reduce_to(ctx.run(Where, g, zero, condition=condition), a) if need_a else None,
                reduce_to(ctx.run(Where, zero, g, condition=condition), b) if need_b else None)


class _Pick(Op):
    """maximum/minimum: the gradient goes to the winner; ties split it (PyTorch)."""

    pick = None

    @classmethod
    def forward(cls, ctx, a, b):
        return getattr(ctx.xp, cls.pick)(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.values(g)
        a_data, b_data = ctx.inputs[0].data, ctx.inputs[1].data
        wins = (a_data > b_data) if cls.pick == "maximum" else (a_data < b_data)
        share_a = (wins + (a_data == b_data) * 0.5).astype(g.dtype)
        return reduce_to(g * share_a, a), reduce_to(g * (1 - share_a), b)


class Maximum(_Pick):
    pick = "maximum"


class Minimum(_Pick):
    pick = "minimum"


def cat(tensors, axis=0):
    """Join tensors along an existing `axis`."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; "
                             "use mg.stack, or reshape it to 1-d first")
    axis = axis_index(axis, tensors[0].ndim, "cat")
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim or any(
            n != m for j, (n, m) in enumerate(zip(t.shape, first.shape)) if j != axis
        ):
            raise ValueError(
                f"cat: tensor {i} has shape {tuple(t.shape)}, which does not match tensor 0's "
                f"{tuple(first.shape)} outside axis {axis}"
            )
    return Cat.apply(*_common_dtype(tensors), axis=axis)


def _common_dtype(tensors: list) -> list:
    """The tensors in one dtype (PyTorch's promotion), cast where needed."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype != dtype:
            from ..backend import result_dtype

            dtype = result_dtype(dtype, t.dtype)
    return [t if t.dtype == dtype else t.astype(dtype) for t in tensors]


def stack(tensors, axis=0):
    """Join same-shape tensors along a new `axis`."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shape = tensors[0].shape
    for t in tensors:
        if t.shape != shape:
            shapes = {tuple(t.shape) for t in tensors}
            raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    axis = axis_index(axis, len(shape), "stack", new_axis=True)
    return Stack.apply(*_common_dtype(tensors), axis=axis)


def split(x, sections_or_indices, axis=0):
    """NumPy's split: an int means that many equal sections, a list means split points."""
    axis = axis_index(axis, x.ndim, "split")
    if isinstance(sections_or_indices, int):
        n = x.shape[axis]
        if sections_or_indices <= 0 or n % sections_or_indices:
            raise ValueError(
                f"split: axis {axis} of length {n} cannot be split into "
                f"{sections_or_indices} equal sections (give a list of split indices instead)"
            )
        step = n // sections_or_indices
        indices = [step * i for i in range(1, sections_or_indices)]
    else:
        indices = [int(i) for i in sections_or_indices]
    return list(Split.apply(x, indices=indices, axis=axis))


def where(condition, a, b):
    """Elementwise `a if condition else b`; the condition is not differentiated."""
    if isinstance(condition, Tensor):
        condition = condition.data
    a, b = lift("where", a, b)
    return Where.apply(a, b, condition=condition)


def maximum(a, b):
    """Elementwise larger of a and b (broadcasting; ties split the gradient)."""
    return Maximum.apply(*lift("maximum", a, b))


def minimum(a, b):
    """Elementwise smaller of a and b (broadcasting; ties split the gradient)."""
    return Minimum.apply(*lift("minimum", a, b))
