"""What every built-in op shares: the `Op` base and the un-broadcasting helper."""
from __future__ import annotations

import sys

from ..backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from ..backend import result_dtype
from ..function import Function, _as_tensors
from ..tensor import Tensor


class Op(Function):
    """A built-in op. Its `backward` is written once, on *values*: backend arrays
    when `backward()` runs first order (no Tensor per intermediate: fast), Tensors
    when `mg.grad(..., create_graph=True)` records the graph of the gradient itself
    (higher-order gradients for free). Arrays and Tensors share what a derivative
    needs (+ - * / @, indexing, sum, reshape, transpose, swapaxes, astype);
    `ctx.run(SomeOp, ...)` applies any other op to values of either kind."""

    differentiable_backward = True

    @property
    def needs_grad(self) -> tuple:
        """For each input, whether its gradient is wanted (skip the others' work)."""
        return tuple([t._requires_grad for t in self.inputs])

    def values(self, like) -> tuple:
        """The inputs as the same kind of value as `like` (a gradient)."""
        if isinstance(like, Tensor):
            return self.inputs
        return tuple([t._data for t in self.inputs])

    def output_value(self, like, index: int = 0):
        """The op's output as the same kind of value as `like`."""
        return self.output(index) if isinstance(like, Tensor) else self._output_data[index]

    def run(self, op, *values, **kwargs):
        """op applied to values: recorded on Tensors, a plain forward on arrays."""
        for value in values:
            if isinstance(value, Tensor):
                return op.apply(*values, **kwargs)
        return op.forward(_Scratch(self.xp), *values, **kwargs)


class _Scratch:
    """A throwaway ctx for running an op's forward on arrays inside a backward."""

    def __init__(self, xp):
        self.xp = xp


def constant(array) -> Tensor:
    """Wrap a backend array as a tensor outside the graph (masks, signs, counts)."""
    return Tensor._make(array, False, None, 0)


def lift(op_name: str, a, b) -> tuple:
    """Two operands as tensors of one dtype, PyTorch-style: Python scalars never
    promote a tensor, and an integer operand adopts the floating operand's dtype."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.data.dtype == b.data.dtype:
                return a, b
        elif type(b) is float and a.data.dtype.kind == "f":  # the common `x * 0.5`
            return a, constant(_ARRAY_TYPES[type(a.data)].xp.asarray(b, dtype=a.data.dtype))
    elif type(a) is float and isinstance(b, Tensor) and b.data.dtype.kind == "f":
        return constant(_ARRAY_TYPES[type(b.data)].xp.asarray(a, dtype=b.data.dtype)), b
    a, b = _as_tensors(_Named(op_name), (a, b), Tensor)
    a_dtype, b_dtype = a.data.dtype, b.data.dtype
    if a_dtype != b_dtype:
        target = result_dtype(a_dtype, b_dtype)
        if a_dtype.kind != "f" and target.kind == "f":
            a = constant(a.data.astype(target))
        if b_dtype.kind != "f" and target.kind == "f":
            b = constant(b.data.astype(target))
    return a, b


class _Named:
    """Stands in for an op class in error messages raised while lifting operands."""

    def __init__(self, name):
        self.__name__ = name


def _broadcast_axes(grad_shape: tuple, shape: tuple) -> tuple:
    """The axes of a gradient of shape `grad_shape` to sum over to get back `shape`."""
    extra = len(grad_shape) - len(shape)
    return tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad_shape[extra + i] != 1
    )


def reduce_to(grad, like):
    """Sum `grad` over the axes `like` was broadcast along, and match its dtype.

    The one un-broadcasting helper every binary op uses (MyGrad's reduce_broadcast);
    `grad` and `like` are both arrays or both Tensors.
    """
    shape = like.shape
    if grad.shape != shape:
        axes = _broadcast_axes(grad.shape, shape)
        if axes:
            grad = grad.sum(axis=axes, keepdims=True)
        if grad.shape != shape:
            grad = grad.reshape(shape)
    if grad.dtype != like.dtype:
        grad = grad.astype(like.dtype)
    return grad


class AxisError(IndexError, ValueError):
    """An axis outside a tensor's dimensions. An IndexError as in PyTorch and a ValueError
    as NumPy's AxisError is, so either `except` catches it."""


def _caller_name() -> str:
    """The public op that asked (the function two frames up), named only when raising."""
    return sys._getframe(2).f_code.co_name


def axis_index(axis, ndim: int, op: str | None = None, *, new_axis: bool = False) -> int:
    """`axis` (negatives count from the end) as an index into `ndim` axes, or into the
    ndim + 1 positions of a result with one more axis (`new_axis`, e.g. stack, unsqueeze).

    The one place every op checks an axis: out of range is an AxisError naming the op,
    the axis, the valid range and the dimensions (a 0-d tensor has none to pick).
    """
    size = ndim + 1 if new_axis else ndim
    if isinstance(axis, bool) or not isinstance(axis, int):
        if hasattr(axis, "__index__") and not isinstance(axis, bool):
            axis = axis.__index__()
        else:
            raise TypeError(f"{op or _caller_name()}: axis must be an int, got {type(axis).__name__} {axis!r}")
    if not -size <= axis < size:
        op = op or _caller_name()
        if size == 0:
            raise AxisError(f"{op}: a 0-d tensor has no axis {axis} (it has no axes at all); "
                            "reshape it to 1-d first, e.g. t.reshape(1)")
        raise AxisError(f"{op}: axis {axis} is out of range for a tensor of {ndim} dimensions "
                        f"(expected an axis in [{-size}, {size - 1}])")
    return axis % size


def normalize_axes(axis, ndim: int, op: str | None = None) -> tuple:
    """None → every axis; an int or a tuple, negatives allowed → sorted positive axes.
    A 0-d tensor accepts axis 0 and -1, as PyTorch: no axis to reduce, so itself."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    normalized = []
    for a in axes:
        if type(a) is int and -ndim <= a < ndim:
            normalized.append(a % ndim)
        elif ndim == 0 and a in (0, -1):
            continue  # a 0-d tensor reduced over "its" axis is itself
        else:  # the slow path names the op only when something is wrong
            normalized.append(axis_index(a, ndim, op or _caller_name()))
    if len(normalized) > 1 and len(set(normalized)) != len(normalized):
        raise ValueError(f"{op or _caller_name()}: axis {axis} repeats an axis")
    return tuple(sorted(normalized))


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
