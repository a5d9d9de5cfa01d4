"""Ops that combine or split tensors: cat, stack, split, chunk, unbind, where, maximum,
minimum."""
from __future__ import annotations

import builtins

from ..keywords import accepts_torch_keywords
from ..tensor import Tensor
from .base import AxisError, Op, as_int, check_axis, lift, reduce_to


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
        return tuple([g[lead + (i,)] if t._requires_grad else None
                      for i, t in enumerate(ctx.inputs)])  # (a list: no generator step per input)


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


def _axis(axis, ndim, op_name):
    if ndim == 0:
        raise AxisError(f"{op_name}: a 0-d tensor has no axis {axis} (it has no axes at all); "
                        "reshape it to 1-d first, e.g. t.reshape(1)")
    return check_axis(op_name, axis, ndim)


@accepts_torch_keywords
def cat(tensors, axis=0):
    """Join tensors along an existing `axis`.

    As `torch.cat`.

    Args:
        tensors: a sequence of tensors, equal in shape but along `axis`.
        axis: the axis to join along (PyTorch's `dim=`).

    Returns:
        Tensor: the concatenation.

    Raises:
        ValueError: for an empty list or shapes that differ off `axis`.

    Examples:
        >>> mg.cat([mg.tensor([1.0, 2.0]), mg.tensor([3.0])])
        tensor([1., 2., 3.])
        >>> mg.cat([mg.zeros(2, 1), mg.ones(2, 2)], axis=1)
        tensor([[0., 1., 1.],
                [0., 1., 1.]])
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: a 0-d (zero-dimensional) tensor, at position {i}, cannot be "
                             "concatenated; use mg.stack, or reshape it to 1-d first")
    axis = check_axis("cat", axis, tensors[0].ndim)
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
    dtype = tensors[0]._data.dtype
    mixed = False
    for t in tensors:  # (the arrays' dtypes: no property call per tensor)
        if t._data.dtype != dtype:
            from ..backend import result_dtype

            dtype = result_dtype(dtype, t._data.dtype)
            mixed = True
    if not mixed:
        return tensors
    return [t if t._data.dtype == dtype else t.astype(dtype) for t in tensors]


@accepts_torch_keywords
def stack(tensors, axis=0):
    """Join same-shape tensors along a new `axis`.

    As `torch.stack`.

    Args:
        tensors: a sequence of same-shape tensors.
        axis: the position of the new axis (PyTorch's `dim=`).

    Returns:
        Tensor: the stacked tensor.

    Raises:
        ValueError: for an empty list or different shapes.

    Examples:
        >>> mg.stack([mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])])
        tensor([[1., 2.],
                [3., 4.]])
        >>> mg.stack([mg.zeros(3), mg.zeros(3)], axis=1).shape
        (3, 2)
    """
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shape = tensors[0]._data.shape
    for t in tensors:
        if t._data.shape != shape:
            shapes = {tuple(t.shape) for t in tensors}
            raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    axis = check_axis("stack", axis, len(shape), extra=1)
    return Stack.apply(*_common_dtype(tensors), axis=axis)


@accepts_torch_keywords
def split(x, split_size_or_sections, axis=0):
    """PyTorch's split: an int is each piece's size (the last may be smaller), a list
    gives the pieces' sizes, which must add up to the axis length. (NumPy's meaning of
    split, n equal sections, is `chunk`.)

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        split_size_or_sections: each piece's size (int), or the list of sizes.
        axis: the axis to split (PyTorch's `dim=`).

    Returns:
        list[Tensor]: the pieces.

    Raises:
        ValueError: when the listed sizes do not add up to the axis length.

    Examples:
        >>> mg.split(mg.arange(5), 2)
        [tensor([0, 1]), tensor([2, 3]), tensor([4])]
        >>> mg.split(mg.arange(5), [1, 4])
        [tensor([0]), tensor([1, 2, 3, 4])]
    """
    axis = _axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [as_int(s, "split", "a section size") for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or builtins.sum(sizes) != n:
            raise ValueError(
                f"split: section sizes {sizes} must be non-negative and add up to {n}, the "
                f"length of axis {axis} (shape {tuple(x.shape)})"
            )
    else:
        size = as_int(split_size_or_sections, "split", "split_size")
        if size <= 0 and not (size == 0 and n == 0):
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    if len(sizes) <= 1:
        return [x]
    indices, start = [], 0
    for s in sizes[:-1]:
        start += s
        indices.append(start)
    return list(Split.apply(x, indices=indices, axis=axis))


@accepts_torch_keywords
def chunk(x, chunks, axis=0):
    """`chunks` pieces of ceil(n / chunks) along `axis` (fewer if that divides n
    earlier), as PyTorch's chunk: `chunk(gates, 4, axis=1)` splits four gates.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        chunks: the number of pieces wanted.
        axis: the axis to split (PyTorch's `dim=`).

    Returns:
        list[Tensor]: the pieces.

    Examples:
        >>> mg.chunk(mg.arange(6), 3)
        [tensor([0, 1]), tensor([2, 3]), tensor([4, 5])]
        >>> [c.shape for c in mg.chunk(mg.zeros(2, 8), 4, axis=1)]
        [(2, 2), (2, 2), (2, 2), (2, 2)]
    """
    axis = _axis(axis, x.ndim, "chunk")
    chunks = as_int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[axis]
    return split(x, builtins.max(-(-n // chunks), 1) if n else 0, axis)


@accepts_torch_keywords
def unbind(x, axis=0):
    """The slices of x along `axis`, that axis removed (PyTorch's unbind).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis to remove (PyTorch's `dim=`).

    Returns:
        tuple[Tensor, ...]: one tensor per index along `axis`.

    Examples:
        >>> mg.unbind(mg.arange(6).reshape(2, 3))
        (tensor([0, 1, 2]), tensor([3, 4, 5]))
    """
    axis = _axis(axis, x.ndim, "unbind")
    lead = (slice(None),) * axis
    return tuple(x[lead + (i,)] for i in range(x.shape[axis]))


def where(condition, a, b):
    """Elementwise `a if condition else b`; the condition is not differentiated.

    As `torch.where(condition, a, b)`.

    Args:
        condition: a boolean tensor (or array-like).
        a: the values where it is true.
        b: the values where it is false; all three broadcast.

    Returns:
        Tensor: the chosen elements.

    Examples:
        >>> x = mg.tensor([-1.0, 2.0])
        >>> mg.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if isinstance(condition, Tensor):
        condition = condition.data
    a, b = lift("where", a, b)
    return Where.apply(a, b, condition=condition)


def maximum(a, b):
    """Elementwise larger of a and b (broadcasting; ties split the gradient).

    As `torch.maximum`; also the method `a.maximum(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.maximum(mg.tensor([1.0, 4.0]), mg.tensor([3.0, 2.0]))
        tensor([3., 4.])

    As `torch.maximum`.

    Args:
        a: a tensor or number.
        b: a tensor or number; a and b broadcast.

    Returns:
        Tensor: the larger of each pair.

    Examples:
        >>> mg.maximum(mg.tensor([1.0, 4.0]), mg.tensor([3.0, 2.0]))
        tensor([3., 4.])
    """
    return Maximum.apply(*lift("maximum", a, b))


def minimum(a, b):
    """Elementwise smaller of a and b (broadcasting; ties split the gradient).

    As `torch.minimum`; also the method `a.minimum(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.minimum(mg.tensor([1.0, 4.0]), mg.tensor([3.0, 2.0]))
        tensor([1., 2.])

    As `torch.minimum`.

    Args:
        a: a tensor or number.
        b: a tensor or number; a and b broadcast.

    Returns:
        Tensor: the smaller of each pair.

    Examples:
        >>> mg.minimum(mg.tensor([1.0, 4.0]), mg.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    return Minimum.apply(*lift("minimum", a, b))
