"""Piecewise-constant functions (sign, floor, ceil, round, trunc: gradient 0, as PyTorch),
remainders (fmod, %, //), lerp, and the NaN/Inf tests (not differentiable)."""
from __future__ import annotations

from ..backend import backend_of_array
from .base import Op, constant, lift, reduce_to


class _Flat(Op):
    """An elementwise step function: its derivative is 0 wherever it exists."""

    function = None

    @classmethod
    def forward(cls, ctx, x):
        return getattr(ctx.xp, cls.function)(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Sign(_Flat):
    function = "sign"


class Floor(_Flat):
    function = "floor"


class Ceil(_Flat):
    function = "ceil"


class Round(_Flat):
    function = "round"  # half to even, as PyTorch


class Trunc(_Flat):
    function = "trunc"


class Fmod(Op):
    """a - trunc(a / b) b: the sign of a (C's fmod, PyTorch's fmod)."""

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, g):  # ∂/∂a = 1, ∂/∂b = -trunc(a / b)
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        quotient = ctx.xp.trunc(ctx.inputs[0].data / ctx.inputs[1].data)
        return (reduce_to(g, a) if need_a else None,
                reduce_to(-g * quotient, b) if need_b else None)


class Remainder(Op):
    """a - floor(a / b) b: the sign of b (Python's %, PyTorch's remainder)."""

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.remainder(a, b)

    @staticmethod
    def backward(ctx, g):  # ∂/∂a = 1, ∂/∂b = -floor(a / b)
        a, b = ctx.values(g)
        need_a, need_b = ctx.needs_grad
        quotient = ctx.xp.floor(ctx.inputs[0].data / ctx.inputs[1].data)
        return (reduce_to(g, a) if need_a else None,
                reduce_to(-g * quotient, b) if need_b else None)


def _flat(op, x):
    return op.apply(x) if x.dtype.kind == "f" else x


def sign(x):
    """-1, 0 or 1 by the sign of x (gradient 0).

    As `torch.sign`; also the method `x.sign()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.sign(mg.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return Sign.apply(x) if x.dtype.kind == "f" else constant(backend_of_array(x.data).xp.sign(x.data))


def floor(x):
    """The largest integer ≤ x, in x's dtype (gradient 0).

    As `torch.floor`; also the method `x.floor()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.floor(mg.tensor([-1.5, 0.2, 2.0]))
        tensor([-2.,  0.,  2.])
    """
    return _flat(Floor, x)


def ceil(x):
    """The smallest integer ≥ x, in x's dtype (gradient 0).

    As `torch.ceil`; also the method `x.ceil()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.ceil(mg.tensor([-1.5, 0.2, 2.0]))
        tensor([-1.,  1.,  2.])
    """
    return _flat(Ceil, x)


def round(x, decimals: int = 0):
    """x rounded half to even, in x's dtype (gradient 0).

    As `torch.round`; also the method `x.round()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).
        decimals: round to this many decimal places (negative: to tens, hundreds...).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.round(mg.tensor([0.5, 1.5, 2.25]))
        tensor([0., 2., 2.])
        >>> mg.round(mg.tensor([1.234, 5.678]), decimals=1)
        tensor([1.2, 5.7])
    """
    if decimals:
        scale = 10.0 ** decimals
        return _flat(Round, x * scale) / scale
    return _flat(Round, x)


def trunc(x):
    """x rounded toward zero, in x's dtype (gradient 0).

    As `torch.trunc`; also the method `x.trunc()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape and dtype.

    Examples:
        >>> mg.trunc(mg.tensor([-1.5, 0.2, 2.7]))
        tensor([-1.,  0.,  2.])
    """
    return _flat(Trunc, x)


def fmod(a, b):
    """The remainder with the sign of a (PyTorch's fmod).

    As `torch.fmod`; also the method `a.fmod(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.fmod(mg.tensor([-3.0, 3.0]), 2.0)
        tensor([-1.,  1.])
    """
    return Fmod.apply(*lift("fmod", a, b))


def remainder(a, b):
    """The remainder with the sign of b: Python's and PyTorch's `%`.

    As `torch.remainder`; also the method `a.remainder(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.remainder(mg.tensor([-3.0, 3.0]), 2.0)
        tensor([1., 1.])
    """
    return Remainder.apply(*lift("remainder", a, b))


def floor_divide(a, b):
    """floor(a / b), as Python's and PyTorch's `//` (not differentiable).

    As `torch.floor_divide`; also the method `a.floor_divide(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.floor_divide(mg.tensor([-3.0, 7.0]), 2.0)
        tensor([-2.,  3.])
    """
    a, b = lift("floor_divide", a, b)
    return constant(backend_of_array(a.data).xp.floor_divide(a.data, b.data))


def lerp(start, end, weight):
    """start + weight (end - start), differentiable in all three.

    As `torch.lerp`; also `start.lerp(end, weight)`.

    Args:
        start: where weight 0 lands.
        end: where weight 1 lands.
        weight: a number or tensor; start, end and weight broadcast.

    Returns:
        Tensor: the interpolation, of the broadcast shape.

    Examples:
        >>> mg.lerp(mg.tensor([0.0, 10.0]), mg.tensor([1.0, 20.0]), 0.5)
        tensor([ 0.5, 15. ])
    """
    return start + weight * (end - start)


def _test(x, name: str):
    return constant(getattr(backend_of_array(x.data).xp, name)(x.data))


def isnan(x):
    """Whether each element is NaN: a boolean tensor (not differentiable).

    As `torch.isnan`; also the method `x.isnan()`.

    Args:
        x: the input tensor.

    Returns:
        Tensor: a boolean tensor of the same shape.

    Examples:
        >>> mg.isnan(mg.tensor([1.0, float("nan"), float("inf")]))
        tensor([False,  True, False], dtype=bool)
    """
    return _test(x, "isnan")


def isinf(x):
    """Whether each element is infinite (either sign): a boolean tensor (not differentiable).

    As `torch.isinf`; also the method `x.isinf()`.

    Args:
        x: the input tensor.

    Returns:
        Tensor: a boolean tensor of the same shape.

    Examples:
        >>> mg.isinf(mg.tensor([1.0, float("nan"), float("inf")]))
        tensor([False, False,  True], dtype=bool)
    """
    return _test(x, "isinf")


def isfinite(x):
    """Whether each element is finite (neither NaN nor infinite): a boolean tensor (not differentiable).

    As `torch.isfinite`; also the method `x.isfinite()`.

    Args:
        x: the input tensor.

    Returns:
        Tensor: a boolean tensor of the same shape.

    Examples:
        >>> mg.isfinite(mg.tensor([1.0, float("nan"), float("inf")]))
        tensor([ True, False, False], dtype=bool)
    """
    return _test(x, "isfinite")


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| ≤ atol + rtol |b| elementwise: a boolean tensor.

    As `torch.isclose`.

    Args:
        a: a tensor.
        b: a tensor or number, broadcast with a.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count NaN as equal to NaN.

    Returns:
        Tensor: a boolean tensor of the broadcast shape.

    Examples:
        >>> mg.isclose(mg.tensor([1.0, 2.0]), mg.tensor([1.0 + 1e-9, 2.1]))
        tensor([ True, False], dtype=bool)
    """
    a, b = lift("isclose", a, b)
    xp = backend_of_array(a.data).xp
    return constant(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is close (a Python bool: one explicit device sync).

    As `torch.allclose`.

    Args:
        a: a tensor.
        b: a tensor or number, broadcast with a.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count NaN as equal to NaN.

    Returns:
        bool: True when `isclose` holds everywhere.

    Examples:
        >>> mg.allclose(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0 + 1e-7]))
        True
        >>> mg.allclose(mg.tensor([1.0]), mg.tensor([1.1]))
        False
    """
    return bool(isclose(a, b, rtol, atol, equal_nan).all().item())
