"""Exponentials and logarithms beyond exp/log (exp2, log2, log10, log1p, expm1, rsqrt,
logaddexp) and the error function. log1p and expm1 stay accurate near 0, where
log(1 + x) and exp(x) - 1 lose every digit."""
from __future__ import annotations

import math

from ..backend import backend_of_array
from .base import Op, floating, lift

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Exp2(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.exp2(x)

    @staticmethod
    def backward(ctx, g):  # d 2ˣ = 2ˣ ln 2
        return g * (ctx.output_value(g) * LN2)


class Log2(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.log2(x)

    @staticmethod
    def backward(ctx, g):  # d log₂ x = 1 / (x ln 2)
        return g / (ctx.values(g)[0] * LN2)


class Log10(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.log10(x)

    @staticmethod
    def backward(ctx, g):  # d log₁₀ x = 1 / (x ln 10)
        return g / (ctx.values(g)[0] * LN10)


class Log1p(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, g):  # d ln(1 + x) = 1 / (1 + x)
        return g / (ctx.values(g)[0] + 1)


class Expm1(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.expm1(x)

    @staticmethod
    def backward(ctx, g):  # d (eˣ - 1) = eˣ = y + 1
        return g * (ctx.output_value(g) + 1)


class Rsqrt(Op):
    @staticmethod
    def forward(ctx, x):
        return 1 / ctx.xp.sqrt(x)

    @staticmethod
    def backward(ctx, g):  # d x^(-1/2) = -x^(-3/2) / 2 = -y³ / 2
        y = ctx.output_value(g)
        return g * (y * y * y * -0.5)


class Erf(Op):
    @staticmethod
    def forward(ctx, x):
        return backend_of_array(x).erf(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # d erf x = 2/√π e^(-x²)
        (x,) = ctx.values(g)
        return g * (ctx.run(_Exp, -(x * x)) * TWO_OVER_SQRT_PI)


def exp2(x):
    """2ˣ elementwise.

    As `torch.exp2`; also the method `x.exp2()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.exp2(mg.tensor([0.0, 3.0]))
        tensor([1., 8.])
    """
    return Exp2.apply(floating(x))


def log2(x):
    """log₂ x elementwise.

    As `torch.log2`; also the method `x.log2()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.log2(mg.tensor([1.0, 8.0]))
        tensor([0., 3.])
    """
    return Log2.apply(floating(x))


def log10(x):
    """log₁₀ x elementwise.

    As `torch.log10`; also the method `x.log10()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.log10(mg.tensor([1.0, 100.0]))
        tensor([0., 2.])
    """
    return Log10.apply(floating(x))


def log1p(x):
    """ln(1 + x), accurate for small x.

    As `torch.log1p`; also the method `x.log1p()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.log1p(mg.tensor([0.0, 1e-8]))
        tensor([0.e+00, 1.e-08])
    """
    return Log1p.apply(floating(x))


def expm1(x):
    """eˣ - 1, accurate for small x.

    As `torch.expm1`; also the method `x.expm1()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.expm1(mg.tensor([0.0, 1e-8]))
        tensor([0.e+00, 1.e-08])
    """
    return Expm1.apply(floating(x))


def rsqrt(x):
    """1 / √x elementwise.

    As `torch.rsqrt`; also the method `x.rsqrt()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.rsqrt(mg.tensor([1.0, 4.0]))
        tensor([1. , 0.5])
    """
    return Rsqrt.apply(floating(x))


def erf(x):
    """The error function (2/√π) ∫₀ˣ e^(-t²) dt elementwise.

    As `torch.erf`; also the method `x.erf()`.

    Args:
        x: the input tensor (a Python number, list or array is made a tensor first).

    Returns:
        Tensor: a new tensor of the same shape (integer inputs give the default float
            dtype).

    Examples:
        >>> mg.erf(mg.tensor([0.0, 1.0]))
        tensor([0.       , 0.8427008])
    """
    return Erf.apply(floating(x))


def logaddexp(a, b):
    """ln(eᵃ + eᵇ) without overflow: m + ln(e^(a-m) + e^(b-m)) with m = max(a, b), m held
    constant (it cancels in the derivative, which is the two softmax weights).

    As `torch.logaddexp`; also the method `a.logaddexp(b)`.

    Args:
        a: the first operand (tensor or number).
        b: the second operand; a and b broadcast.

    Returns:
        Tensor: the elementwise result, of the broadcast shape.

    Examples:
        >>> mg.logaddexp(mg.tensor([0.0, 1000.0]), mg.tensor([0.0, 1000.0]))
        tensor([6.9314718e-01, 1.0006932e+03])
    """
    from .joining import maximum, where

    a, b = lift("logaddexp", floating(a), floating(b))
    m = maximum(a, b).detach()
    m = where(m.abs() == float("inf"), 0.0, m)  # -inf and -inf: stay -inf, not NaN
    return ((a - m).exp() + (b - m).exp()).log() + m


from .elementwise import Exp as _Exp
