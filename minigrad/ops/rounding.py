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
    """-1, 0 or 1 by the sign of x (gradient 0)."""
    return Sign.apply(x) if x.dtype.kind == "f" else constant(backend_of_array(x.data).xp.sign(x.data))


def floor(x):
    """The largest integer ≤ x, in x's dtype (gradient 0)."""
    return _flat(Floor, x)


def ceil(x):
    """The smallest integer ≥ x, in x's dtype (gradient 0)."""
    return _flat(Ceil, x)


def round(x, decimals: int = 0):
    """x rounded half to even, in x's dtype (gradient 0)."""
    if decimals:
        scale = 10.0 ** decimals
        return _flat(Round, x * scale) / scale
    return _flat(Round, x)


def trunc(x):
    """x rounded toward zero, in x's dtype (gradient 0)."""
    return _flat(Trunc, x)


def fmod(a, b):
    """The remainder with the sign of a (PyTorch's fmod)."""
    return Fmod.apply(*lift("fmod", a, b))


def remainder(a, b):
    """The remainder with the sign of b: Python's and PyTorch's `%`."""
    return Remainder.apply(*lift("remainder", a, b))


def floor_divide(a, b):
    """floor(a / b), as Python's and PyTorch's `//` (not differentiable)."""
    a, b = lift("floor_divide", a, b)
    return constant(backend_of_array(a.data).xp.floor_divide(a.data, b.data))


def lerp(start, end, weight):
    """start + weight (end - start), differentiable in all three."""
    return start + weight * (end - start)


def _test(name):
    def test(x):
        return constant(getattr(backend_of_array(x.data).xp, name)(x.data))

    test.__name__ = name
    test.__doc__ = f"{name} elementwise: a boolean tensor (not differentiable)."
    return test


isnan, isinf, isfinite = _test("isnan"), _test("isinf"), _test("isfinite")


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| ≤ atol + rtol |b| elementwise: a boolean tensor."""
    a, b = lift("isclose", a, b)
    xp = backend_of_array(a.data).xp
    return constant(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is close (a Python bool: one explicit device sync)."""
    return bool(isclose(a, b, rtol, atol, equal_nan).all().item())
