"""What every built-in op shares: the `Op` base and the un-broadcasting helper."""
from __future__ import annotations

import numpy
from numpy import array, ndarray  # (for 0-d NumPy arrays: scalar_binary)

from ..backend import _BY_ARRAY_TYPE as _ARRAY_TYPES
from ..backend import result_dtype
from ..function import Function, _as_tensors, apply_0d
from ..tensor import Tensor


class Op(Function):
    """A built-in op. Its `backward` is written once, on *values*: backend arrays
    when `backward()` runs first order (no Tensor per intermediate: fast), Tensors
    when `mg.grad(..., create_graph=True)` records the graph of the gradient itself
    (higher-order gradients for free). Arrays and Tensors share what a derivative
    needs (+ - * / @, indexing, sum, reshape, transpose, swapaxes, astype);
    `ctx.run(SomeOp, ...)` applies any other op to values of either kind."""

    differentiable_backward = True
    trusted_backward = True  # (see Function.trusted_backward)
    saves_output = False  # (the ops whose backward reads their output say True)

    @property
    def needs_grad(self) -> tuple:
        """For each input, whether its gradient is wanted (skip the others' work)."""
        inputs = self.inputs
        if len(inputs) == 2:  # a binary op, the hot path of scalar code: no comprehension
            return (inputs[0]._requires_grad, inputs[1]._requires_grad)
        return tuple([t._requires_grad for t in inputs])

    def values(self, like) -> tuple:
        """The inputs as the same kind of value as `like` (a gradient)."""
        inputs = self.inputs
        if type(like) is Tensor or isinstance(like, Tensor):
            return inputs
        if len(inputs) == 2:  # (as in needs_grad)
            return (inputs[0]._data, inputs[1]._data)
        return tuple([t._data for t in inputs])

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


# The dtypes scalar code's shortcuts take (a NumPy dtype of these is one shared object).
FLOAT32, FLOAT64 = numpy.dtype(numpy.float32), numpy.dtype(numpy.float64)

# number -> (read-only 0-d array, its NumPy scalar), one dict per dtype: see constant_0d
_CONSTANTS_32: dict = {}
_CONSTANTS_64: dict = {}
_CONSTANTS_KEPT = 256  # distinct numbers kept per dtype (then the dict starts again)
_INF = float("inf")


def constant_0d(number, dtype) -> tuple:
    """The 0-d NumPy array `lift` makes of a Python float or int next to a float32 or
    float64 tensor, and its value as a NumPy scalar; shared between calls.

    Why: scalar code multiplies and adds the same few numbers (0.5, 1.0, 2) over and
    over, and making the array costs about as much as the op itself. Each op still gets
    its own constant Tensor (a picture draws each as its own leaf); only the array is
    shared, so it is read-only: writing into it raises instead of changing other nodes'
    constants. Kept: nonzero numbers with a finite value in `dtype`; 0 (equal to -0.0 as
    a key), NaN (never equal to itself) and numbers that overflow (NumPy warns each
    time) are made afresh, and a program with many distinct numbers refills the dict."""
    cache = _CONSTANTS_32 if dtype is FLOAT32 else _CONSTANTS_64
    made = cache.get(number) if number else None
    if made is None:
        value = array(number, dtype)  # (what lift makes: the same value, bit for bit)
        made = (value, value[()])
        if number and -_INF < made[1] < _INF:  # (False for NaN too)
            value.flags.writeable = False
            if len(cache) >= _CONSTANTS_KEPT:
                cache.clear()
            cache[number] = made
    return made


def scalar_binary(cls, a, b):
    """`cls.apply(*lift(name, a, b))` for scalar code, or None where it does not apply.

    Applies when a binary op (Add, Sub, Mul) meets a Tensor holding a 0-d NumPy array of
    float32 or float64, and a Python float or int, or another such Tensor of the same dtype:
    micrograd's `y * 0.5 + 1.0`. Then the number becomes the constant tensor `lift` makes
    (see constant_0d: the same value and dtype; a number never promotes a tensor),
    and the op runs on NumPy scalars through `apply_0d`, which records the same node as
    `apply`, at about half the cost. Anything else (other dtypes, shapes, backends, a
    Tensor subclass, bools) returns None: the caller takes the general path."""
    if type(a) is Tensor:
        x = a._data
        if type(x) is not ndarray or x.shape:
            return None
        dtype = x.dtype
        if dtype is not FLOAT32 and dtype is not FLOAT64:
            return None
        if type(b) is Tensor:
            y = b._data
            if type(y) is ndarray and not y.shape and y.dtype is dtype:
                return apply_0d(cls, (a, b), (x[()], y[()]), a._requires_grad or
                                b._requires_grad, a._version[0] + b._version[0])
        elif type(b) is float or type(b) is int:  # (not bool: True + x is the general path)
            y, value = constant_0d(b, dtype)
            return apply_0d(cls, (a, _make(y, False, None, 0)), (x[()], value),
                            a._requires_grad, a._version[0])  # (the constant: neither)
        return None
    if type(b) is Tensor and (type(a) is float or type(a) is int):  # 2 - x, 0.5 * x
        y = b._data
        if type(y) is ndarray and not y.shape:
            dtype = y.dtype
            if dtype is FLOAT32 or dtype is FLOAT64:
                x, value = constant_0d(a, dtype)
                return apply_0d(cls, (_make(x, False, None, 0), b), (value, y[()]),
                                b._requires_grad, b._version[0])
    return None


def floating(x):
    """x, with integer and bool tensors cast to the default float dtype first: what PyTorch
    does for exp, sqrt, mean, ... of an integer tensor. Python numbers become tensors."""
    if not isinstance(x, Tensor):
        x = _as_tensors(_Named("op"), (x,), Tensor)[0]
    if x._data.dtype.kind in "fc":
        return x
    from ..backend import get_default_dtype

    return constant(x.data.astype(get_default_dtype()))


_make = Tensor._make


def constant(array) -> Tensor:
    """Wrap a backend array as a tensor outside the graph (masks, signs, counts)."""
    return Tensor._make(array, False, None, 0)


def lift(op_name: str, a, b) -> tuple:
    """Two operands as tensors of one dtype, PyTorch-style: Python scalars never
    promote a tensor, and an integer operand adopts the floating operand's dtype."""
    # The common `x * 0.5`, `x + 1` on a floating tensor first: the number takes the tensor's
    # dtype (what _as_tensors gives it, see dtype_of_python_scalar), as a constant made in one
    # call (xp.array: NumPy's asarray of a Python number costs twice as much).
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b
        elif (type(b) is float or type(b) is int) and a._data.dtype.kind == "f":
            data = a._data
            return a, _make(_ARRAY_TYPES[type(data)].xp.array(b, dtype=data.dtype),
                            False, None, 0)  # (constant(), one call less)
    elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) \
            and b._data.dtype.kind == "f":
        data = b._data
        return _make(_ARRAY_TYPES[type(data)].xp.array(a, dtype=data.dtype), False, None, 0), b
    a, b = _as_tensors(_Named(op_name), (a, b), Tensor)
    a_dtype, b_dtype = a._data.dtype, b._data.dtype
    if a_dtype != b_dtype:
        target = result_dtype(a_dtype, b_dtype)
        if a_dtype.kind not in "fc" and target.kind in "fc":
            a = constant(a._data.astype(target))
        if b_dtype.kind not in "fc" and target.kind in "fc":
            b = constant(b._data.astype(target))
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


def as_int(value, op_name: str, what: str) -> int:
    """An integer argument (a size, a shape entry, a count), refusing 2.5 and True."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(
            f"{op_name}: {what} must be an integer, got {type(value).__name__} {value!r}"
        )
    return int(value.__index__())


class AxisError(IndexError, ValueError):
    """An axis out of range: an IndexError as in PyTorch, a ValueError as NumPy's AxisError."""


def check_axis(op_name: str, axis, ndim: int, extra: int = 0) -> int:
    """One axis as a non-negative int, or an IndexError naming the op and the valid range.

    `extra` widens the range for ops that insert axes (unsqueeze, stack: ndim + 1).
    A 0-d tensor accepts axis 0 and -1, as PyTorch does, where that makes sense.
    """
    axis = as_int(axis, op_name, "axis")
    size = max(ndim + extra, 1)
    if not -size <= axis < size:
        if ndim == 0 and not extra:
            raise AxisError(f"{op_name}: a 0-d tensor has no axis {axis} (it has no axes at "
                            "all); reshape it to 1-d first, e.g. t.reshape(1)")
        raise AxisError(
            f"{op_name}: axis {axis} is out of range for a tensor of {ndim} dimensions "
            f"(expected an axis in [{-size}, {size - 1}])"
        )
    return axis % size


def normalize_axes(axis, ndim: int, op_name: str = "reduction") -> tuple:
    """None → every axis; an int or a tuple, negatives allowed → sorted positive axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    if len(axes) == 1 and type(axes[0]) is int and -ndim <= axes[0] < ndim:
        return (axes[0] % ndim,)  # the common case, checked without a call per axis
    normalized = {check_axis(op_name, a, ndim) for a in axes}
    if len(normalized) != len(axes):
        raise ValueError(f"{op_name}: axis {axis} names an axis twice")
    if ndim == 0:
        return ()
    return tuple(sorted(normalized))


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
