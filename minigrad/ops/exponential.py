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
    """2ˣ elementwise."""
    return Exp2.apply(floating(x))


def log2(x):
    """log₂ x elementwise."""
    return Log2.apply(floating(x))


def log10(x):
    """log₁₀ x elementwise."""
    return Log10.apply(floating(x))


def log1p(x):
    """ln(1 + x), accurate for small x."""
    return Log1p.apply(floating(x))


def expm1(x):
    """eˣ - 1, accurate for small x."""
    return Expm1.apply(floating(x))


def rsqrt(x):
    """1 / √x elementwise."""
    return Rsqrt.apply(floating(x))


def erf(x):
    """The error function (2/√π) ∫₀ˣ e^(-t²) dt elementwise."""
    return Erf.apply(floating(x))


def logaddexp(a, b):
    """ln(eᵃ + eᵇ) without overflow: m + ln(e^(a-m) + e^(b-m)) with m = max(a, b), m held
    constant (it cancels in the derivative, which is the two softmax weights)."""
    from .joining import maximum, where

    a, b = lift("logaddexp", floating(a), floating(b))
    m = maximum(a, b).detach()
    m = where(m.abs() == float("inf"), 0.0, m)  # -inf and -inf: stay -inf, not NaN
    return ((a - m).exp() + (b - m).exp()).log() + m


from .elementwise import Exp as _Exp
