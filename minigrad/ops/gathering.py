"""Picking and placing elements along an axis: gather, scatter, scatter_add, index_select,
masked_fill, masked_select, take_along_axis.

Most are indexing in disguise: `gather(x, d, index)` is `x[i₀, …, index, …]` with
open-mesh ranges on the other axes, so its gradient is indexing's scatter-add and comes
with higher-order gradients for free. Only `scatter` (overwrite) needs its own op.
"""
from __future__ import annotations

from ..backend import backend_of_array
from ..tensor import Tensor
from .base import Op, as_int, check_axis, constant
from .indexing import GetItem, ScatterAdd, getitem


def _index_tensor(op_name: str, index, like: Tensor) -> Tensor:
    if not isinstance(index, Tensor):
        index = Tensor(index, backend=like.backend)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: index must be an integer tensor, got dtype {index.dtype}")
    if index.backend != like.backend:
        from ..backend import BackendMismatchError

        raise BackendMismatchError(
            f"{op_name}: index lives on {index.backend} but the input on {like.backend}"
        )
    return index


def _along(op_name: str, x: Tensor, axis: int, index: Tensor) -> tuple:
    """The integer-array index that reads x[..., index[...], ...] along `axis`: index on
    `axis`, the position itself (an open-mesh range) on every other axis (PyTorch's gather)."""
    if index.ndim != x.ndim:
        raise ValueError(
            f"{op_name}: index has {index.ndim} dimensions but the input {x.ndim} (shapes "
            f"{tuple(index.shape)} and {tuple(x.shape)}); they must have the same number"
        )
    for d, (n, m) in enumerate(zip(index.shape, x.shape)):
        if d != axis and n > m:
            raise ValueError(
                f"{op_name}: index shape {tuple(index.shape)} is larger than the input's "
                f"{tuple(x.shape)} on axis {d}"
            )
    xp = backend_of_array(x.data).xp
    key = []
    for d, n in enumerate(index.shape):
        if d == axis:
            key.append(index.data)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


def _check_range(op_name: str, index: Tensor, size: int) -> None:
    if index.size:
        low, high = int(index.min().item()), int(index.max().item())
        bad = low if low < -size else high if high >= size else None
        if bad is not None:
            raise IndexError(f"{op_name}: index {bad} is out of range for an axis of size {size}")


def gather(x: Tensor, axis: int, index) -> Tensor:
    """`out[i, j] = x[index[i, j], j]` (axis 0): PyTorch's gather, differentiable in x.

    As `torch.gather`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis indexed (PyTorch's `dim`).
        index: an integer tensor of indices. Same number of axes as x.

    Returns:
        Tensor: shaped like `index`.

    Raises:
        IndexError: for an index out of range.

    Examples:
        >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mg.gather(x, 1, mg.tensor([[1], [0]]))
        tensor([[2.],
                [3.]])
    """
    axis = check_axis("gather", axis, x.ndim)
    index = _index_tensor("gather", index, x)
    if x.ndim == 0:
        return getitem(x, ()) if index.ndim == 0 else x
    _check_range("gather", index, x.shape[axis])
    return GetItem.apply(x, index=_along("gather", x, axis, index))


def take_along_axis(x: Tensor, index, axis: int) -> Tensor:
    """NumPy's name for gather (same result where the shapes match).

    As `numpy.take_along_axis` (note the argument order).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        index: an integer tensor of indices.
        axis: the axis indexed.

    Returns:
        Tensor: shaped like `index`.

    Examples:
        >>> mg.take_along_axis(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), mg.tensor([[1], [0]]), axis=1)
        tensor([[2.],
                [3.]])
    """
    return gather(x, axis, index)


class Scatter(Op):
    """out = x with out[key] = src: x's gradient is zero where it was overwritten."""

    @staticmethod
    def forward(ctx, x, src, key):
        ctx.key = key
        out = x.copy()
        out[key] = src
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_grad
        grad_x = grad_src = None
        if need_x:
            kept = ctx.xp.ones(g.shape, dtype=g.dtype)
            kept[ctx.key] = 0
            grad_x = g * kept
        if need_src:
            grad_src = ctx.run(GetItem, g, index=ctx.key)
        return grad_x, grad_src


def _source(op_name: str, src, index: Tensor, like: Tensor) -> Tensor:
    """src as a tensor shaped like index (a scalar fills; a larger src is cut, as PyTorch)."""
    if not isinstance(src, Tensor):
        xp = backend_of_array(like.data).xp
        return constant(xp.full(index.shape, src, dtype=like.dtype))
    if src.ndim != index.ndim or any(n < m for n, m in zip(src.shape, index.shape)):
        raise ValueError(
            f"{op_name}: src of shape {tuple(src.shape)} must be at least as large as index "
            f"{tuple(index.shape)} on every axis"
        )
    if src.shape != index.shape:
        src = getitem(src, tuple(slice(0, n) for n in index.shape))
    return src if src.dtype == like.dtype else src.astype(like.dtype)


def scatter(x: Tensor, axis: int, index, src) -> Tensor:
    """A copy of x with x[..., index[i], ...] = src[i] along `axis` (src: tensor or number).
    Repeated indices keep one of the values, as in PyTorch (which one is unspecified).

    As `torch.scatter` (not in place).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis written (PyTorch's `dim`).
        index: an integer tensor of indices.
        src: a tensor shaped like index, or a number.

    Returns:
        Tensor: the new tensor (x unchanged).

    Examples:
        >>> mg.scatter(mg.zeros(3), 0, mg.tensor([0, 2]), mg.tensor([5.0, 7.0]))
        tensor([5., 0., 7.])
    """
    axis = check_axis("scatter", axis, x.ndim)
    index = _index_tensor("scatter", index, x)
    _check_range("scatter", index, x.shape[axis] if x.ndim else 1)
    src = _source("scatter", src, index, x)
    return Scatter.apply(x, src, key=_along("scatter", x, axis, index))


def scatter_add(x: Tensor, axis: int, index, src) -> Tensor:
    """x plus src added at x[..., index[i], ...] along `axis`; repeated indices accumulate.

    As `torch.scatter_add` (not in place).

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis written (PyTorch's `dim`).
        index: an integer tensor of indices.
        src: a tensor shaped like index.

    Returns:
        Tensor: the new tensor (x unchanged).

    Examples:
        >>> mg.scatter_add(mg.zeros(3), 0, mg.tensor([0, 0, 2]), mg.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    axis = check_axis("scatter_add", axis, x.ndim)
    index = _index_tensor("scatter_add", index, x)
    _check_range("scatter_add", index, x.shape[axis] if x.ndim else 1)
    src = _source("scatter_add", src, index, x)
    return x + ScatterAdd.apply(src, shape=x.shape, index=_along("scatter_add", x, axis, index))


def index_select(x: Tensor, axis: int, index) -> Tensor:
    """The entries `index` (a 1-D integer tensor) of x along `axis`.

    As `torch.index_select`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis indexed (PyTorch's `dim`).
        index: a 1-D integer tensor.

    Returns:
        Tensor: x with only those entries along `axis`.

    Examples:
        >>> mg.index_select(mg.arange(6).reshape(2, 3), 1, mg.tensor([2, 0]))
        tensor([[2, 0],
                [5, 3]])
    """
    axis = check_axis("index_select", axis, x.ndim)
    index = _index_tensor("index_select", index, x)
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {tuple(index.shape)}")
    _check_range("index_select", index, x.shape[axis] if x.ndim else 1)
    return getitem(x, (slice(None),) * axis + (index.reshape(-1),))


def masked_fill(x: Tensor, mask, value) -> Tensor:
    """x with `value` where the boolean `mask` (broadcast to x) is true.

    As `torch.masked_fill`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        mask: a boolean tensor broadcastable to x.
        value: the fill value.

    Returns:
        Tensor: a new tensor; gradient 0 where filled.

    Examples:
        >>> x = mg.tensor([1.0, 2.0, 3.0])
        >>> mg.masked_fill(x, x > 1.5, 0.0)
        tensor([1., 0., 0.])
    """
    from .joining import where

    mask = mask if isinstance(mask, Tensor) else Tensor(mask, backend=x.backend)
    if mask.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be a boolean tensor, got dtype {mask.dtype}")
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                         f"{tuple(value.shape)}")
    out = where(mask, value, x)
    if out.shape != x.shape:
        raise ValueError(f"masked_fill: mask of shape {tuple(mask.shape)} does not broadcast "
                         f"to the input's {tuple(x.shape)}")
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def masked_select(x: Tensor, mask) -> Tensor:
    """The elements of x where `mask` is true, as a 1-D tensor (mask and x broadcast).

    As `torch.masked_select`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        mask: a boolean tensor; mask and x broadcast.

    Returns:
        Tensor: a 1-D tensor of the selected elements.

    Examples:
        >>> x = mg.tensor([1.0, 2.0, 3.0])
        >>> mg.masked_select(x, x > 1.5)
        tensor([2., 3.])
    """
    from .shaping import broadcast_to

    mask = mask if isinstance(mask, Tensor) else Tensor(mask, backend=x.backend)
    if mask.dtype.kind != "b":
        raise TypeError(f"masked_select: mask must be a boolean tensor, got dtype {mask.dtype}")
    xp = backend_of_array(x.data).xp
    shape = tuple(xp.broadcast_shapes(x.shape, mask.shape))
    x = broadcast_to(x, shape)
    return getitem(x, constant(xp.broadcast_to(mask.data, shape)))


def nonzero(x: Tensor, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) integer tensor, or one 1-D tensor per
    axis with `as_tuple=True` (not differentiable).

    As `torch.nonzero`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        as_tuple: return one index tensor per axis instead.

    Returns:
        Tensor or tuple[Tensor, ...]: the indices.

    Examples:
        >>> mg.nonzero(mg.tensor([[0.0, 1.0], [2.0, 0.0]]))
        tensor([[0, 1],
                [1, 0]])
        >>> mg.nonzero(mg.tensor([0.0, 3.0, 4.0]), as_tuple=True)
        (tensor([1, 2]),)
    """
    xp = backend_of_array(x.data).xp
    found = xp.nonzero(x.data) if x.ndim else xp.nonzero(x.data.reshape(1))
    if as_tuple:
        return tuple(constant(i.astype("int64")) for i in found)
    return constant(xp.stack(found, axis=1).astype("int64") if found else xp.zeros((0, 0), "int64"))


def one_hot(index, num_classes: int = -1) -> Tensor:
    """index (integers) → an int64 tensor with a trailing axis of `num_classes`, 1 at index.

    As `torch.nn.functional.one_hot`.

    Args:
        index: an integer tensor.
        num_classes: the length of the new axis (-1: the largest index + 1).

    Returns:
        Tensor: int64, shape `index.shape + (num_classes,)`.

    Raises:
        IndexError: for negative indices or indices >= num_classes.

    Examples:
        >>> mg.one_hot(mg.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    index = index if isinstance(index, Tensor) else Tensor(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects an integer tensor, got dtype {index.dtype}")
    num_classes = as_int(num_classes, "one_hot", "num_classes")
    if num_classes < 0:
        num_classes = int(index.max().item()) + 1 if index.size else 0
    _check_range("one_hot", index, num_classes)
    if index.size and int(index.min().item()) < 0:
        raise IndexError("one_hot: class values must be non-negative")
    xp = backend_of_array(index.data).xp
    return constant((index.data[..., None] == xp.arange(num_classes)).astype("int64"))
