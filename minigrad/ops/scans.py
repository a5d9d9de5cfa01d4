"""Running reductions and orderings: cumsum, cumprod, prod, cummax/cummin, logcumsumexp,
sort, argsort, topk.

The orderings find their indices on the arrays, then take the values with `gather`, so
the gradient goes to the elements picked (PyTorch's rule) and is itself differentiable.
"""
from __future__ import annotations

from ..backend import backend_of_array
from ..keywords import accepts_torch_keywords
from .base import Op, as_int, check_axis, constant, floating
from .gathering import gather
from .reductions import MaxMin


def _flip(value, axis):
    return value[(slice(None),) * axis + (slice(None, None, -1),)]


class CumSum(Op):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):  # ∂/∂x_i Σ_j y_j g_j = Σ_{j ≥ i} g_j: a reversed cumsum
        return _flip(ctx.run(CumSum, _flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


class CumProd(Op):
    """y_j = Π_{i ≤ j} x_i. Its gradient Σ_{j ≥ i} g_j Π_{m ≤ j, m ≠ i} x_m is computed on
    the arrays, exactly, zeros included (first order: create_graph raises)."""

    differentiable_backward = False

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.cumprod(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        xp, axis = ctx.xp, ctx.axis
        x = xp.moveaxis(ctx.inputs[0].data, axis, -1)
        g = xp.moveaxis(g, axis, -1)
        if bool((x != 0).all().item()):  # the usual case: (Σ_{j ≥ i} g_j y_j) / x_i
            y = xp.cumprod(x, axis=-1)
            grad = xp.flip(xp.cumsum(xp.flip(g * y, axis=-1), axis=-1), axis=-1) / x
            return xp.moveaxis(grad, -1, axis)
        n = x.shape[-1]
        # others[..., j, i] = Π_{m ≤ j, m ≠ i} x_m for i ≤ j (0 for i > j), one row per j
        eye = xp.eye(n, dtype=bool)
        lower = xp.tri(n, n, dtype=bool)  # m ≤ j
        factors = xp.where(eye, 1.0, x[..., None, :]).astype(x.dtype)  # skip m = i: (..., i, m)
        factors = xp.where(lower[:, None, :], factors[..., None, :, :], 1.0)  # (..., j, i, m)
        others = factors.prod(axis=-1) * lower.astype(x.dtype)  # (..., j, i)
        grad = (g[..., :, None] * others).sum(axis=-2)
        return xp.moveaxis(grad, -1, axis)


def _scan_axis(op_name, x, axis):
    if axis is None:
        raise TypeError(f"{op_name}: give the axis (dim=) to scan along")
    return check_axis(op_name, axis, x.ndim)


@accepts_torch_keywords
def cumsum(x, axis):
    """Running sums along `axis`.

    As `torch.cumsum`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis scanned (PyTorch's `dim`).

    Returns:
        Tensor: the running sums.

    Examples:
        >>> mg.cumsum(mg.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 3., 6.])
    """
    x = x if x.ndim else x.reshape(1)
    return CumSum.apply(x, axis=_scan_axis("cumsum", x, axis))


@accepts_torch_keywords
def cumprod(x, axis):
    """Running products along `axis` (exact gradients at zeros; first order only).

    As `torch.cumprod`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis scanned (PyTorch's `dim`).

    Returns:
        Tensor: the running products.

    Examples:
        >>> mg.cumprod(mg.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 2., 6.])
    """
    x = x if x.ndim else x.reshape(1)
    return CumProd.apply(x, axis=_scan_axis("cumprod", x, axis))


@accepts_torch_keywords
def prod(x, axis=None, keepdims=False):
    """The product over `axis` (None: all elements), the last running product.

    As `torch.prod` with NumPy's argument names; also the method `x.prod(...)`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis or axes to reduce (None: all; an int or tuple; negatives count from
            the end). PyTorch's `dim=` is accepted too.
        keepdims: keep the reduced axes with length 1 (PyTorch's `keepdim=` is accepted
            too).

    Returns:
        Tensor: the reduced tensor.

    Examples:
        >>> mg.prod(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(24.)
        >>> mg.prod(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
        tensor([3., 8.])
    """
    if axis is None:
        out = cumprod(x.reshape(-1), 0)[-1]
        return out.reshape((1,) * x.ndim) if keepdims else out
    axis = check_axis("prod", axis, x.ndim)
    x = x if x.ndim else x.reshape(1)
    last = cumprod(x, axis)[(slice(None),) * axis + (slice(-1, None),)]
    return last if keepdims else last.squeeze(axis)


@accepts_torch_keywords
def logcumsumexp(x, axis):
    """log Σ_{i ≤ j} e^(x_i) along `axis`, shifted by the axis maximum (held constant).

    As `torch.logcumsumexp`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis scanned (PyTorch's `dim`).

    Returns:
        Tensor: the running log-sum-exp.

    Examples:
        >>> mg.logcumsumexp(mg.tensor([0.0, 0.0]), 0)
        tensor([0.       , 0.6931472])
    """
    x = floating(x)
    axis = _scan_axis("logcumsumexp", x, axis)
    shift = x.detach().amax(axis=axis, keepdims=True)
    from .joining import where

    shift = where(shift.abs() == float("inf"), 0.0, shift)
    return cumsum((x - shift).exp(), axis).log() + shift


def _cumulative_extreme(name, x, axis):
    axis = _scan_axis(name, x, axis)
    xp = backend_of_array(x.data).xp
    data = x.data
    running = (xp.maximum if name == "cummax" else xp.minimum).accumulate(data, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    positions = xp.broadcast_to(xp.arange(x.shape[axis]).reshape(shape), data.shape)
    # the latest position holding the running extreme, as PyTorch reports it
    candidates = xp.where(data == running, positions, 0)
    indices = xp.maximum.accumulate(candidates, axis=axis).astype("int64")
    indices = constant(indices)
    return MaxMin(gather(x, axis, indices), indices)


@accepts_torch_keywords
def cummax(x, axis):
    """(values, indices) of the running maximum along `axis`.

    As `torch.cummax`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis scanned (PyTorch's `dim`).

    Returns:
        MaxMin: the named pair `(values, indices)`.

    Examples:
        >>> mg.cummax(mg.tensor([1.0, 3.0, 2.0]), 0)
        MaxMin(values=tensor([1., 3., 3.]), indices=tensor([0, 1, 1]))
    """
    return _cumulative_extreme("cummax", x, axis)


@accepts_torch_keywords
def cummin(x, axis):
    """(values, indices) of the running minimum along `axis`.

    As `torch.cummin`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis scanned (PyTorch's `dim`).

    Returns:
        MaxMin: the named pair `(values, indices)`.

    Examples:
        >>> mg.cummin(mg.tensor([3.0, 1.0, 2.0]), 0)
        MaxMin(values=tensor([3., 1., 1.]), indices=tensor([0, 1, 1]))
    """
    return _cumulative_extreme("cummin", x, axis)


def _order(x, axis, descending, stable=True):
    xp = backend_of_array(x.data).xp
    key = -x.data if descending and x.dtype.kind != "b" else x.data
    order = xp.argsort(key, axis=axis, kind="stable" if stable else None)
    if descending and x.dtype.kind == "b":
        order = _flip(order, axis)
    return order.astype("int64")


@accepts_torch_keywords
def sort(x, axis=-1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along `axis` (ties keep their order).

    As `torch.sort`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis sorted (PyTorch's `dim`).
        descending: largest first.
        stable: keep equal elements in order.

    Returns:
        MaxMin: the named pair `(values, indices)` of the sorted tensor.

    Examples:
        >>> mg.sort(mg.tensor([3.0, 1.0, 2.0]))
        MaxMin(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
        >>> mg.sort(mg.tensor([3.0, 1.0, 2.0]), descending=True)[1]
        tensor([0, 2, 1])
    """
    if x.ndim == 0:
        return MaxMin(x, constant(backend_of_array(x.data).xp.zeros((), dtype="int64")))
    axis = check_axis("sort", axis, x.ndim)
    indices = constant(_order(x, axis, descending))
    return MaxMin(gather(x, axis, indices), indices)


@accepts_torch_keywords
def argsort(x, axis=-1, descending: bool = False, stable: bool = False):
    """The indices that sort x along `axis` (not differentiable).

    As `torch.argsort`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        axis: the axis sorted (PyTorch's `dim`).
        descending: largest first.
        stable: keep equal elements in order.

    Returns:
        Tensor: int64 indices.

    Examples:
        >>> mg.argsort(mg.tensor([3.0, 1.0, 2.0]))
        tensor([1, 2, 0])
    """
    if x.ndim == 0:
        return constant(backend_of_array(x.data).xp.zeros((), dtype="int64"))
    return constant(_order(x, check_axis("argsort", axis, x.ndim), descending))


@accepts_torch_keywords
def topk(x, k: int, axis=-1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the k largest (or smallest) entries along `axis`.

    As `torch.topk`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        k: how many.
        axis: the axis (PyTorch's `dim`).
        largest: False for the k smallest.
        sorted: return them in order.

    Returns:
        MaxMin: the named pair `(values, indices)`.

    Raises:
        ValueError: when k exceeds the axis length.

    Examples:
        >>> mg.topk(mg.tensor([1.0, 4.0, 2.0, 3.0]), 2)
        MaxMin(values=tensor([4., 3.]), indices=tensor([1, 3]))
    """
    axis = check_axis("topk", axis, x.ndim)
    k = as_int(k, "topk", "k")
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for an axis of length {n}")
    order = _order(x, axis, descending=largest)
    indices = constant(order[(slice(None),) * axis + (slice(0, k),)])
    return MaxMin(gather(x, axis, indices), indices)
