"""Elementwise functions of one tensor. Each derivative uses the op's own output
where that is cheaper (exp, tanh, sigmoid), as one would on paper; masks and signs
are constants read off the input's array."""
from __future__ import annotations

from .base import Op, constant, floating


class Exp(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.exp(x)

    @staticmethod
    def backward(ctx, g):  # d eˣ = eˣ
        return g * ctx.output_value(g)


class Log(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, g):  # d ln x = 1/x
        return g / ctx.values(g)[0]


class Sqrt(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sqrt(x)

    @staticmethod
    def backward(ctx, g):  # d √x = 1 / (2√x)
        return g / (ctx.output_value(g) * 2)


class Tanh(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.tanh(x)

    @staticmethod
    def backward(ctx, g):  # d tanh = 1 - tanh²
        y = ctx.output_value(g)
        return g * (1 - y * y)


class Sigmoid(Op):
    saves_output = True  # backward reads the output: writing into it in place is refused

    @staticmethod
    def forward(ctx, x):
        # σ(x) = (1 + tanh(x/2)) / 2: no exp, so no overflow at |x| = 1000.
        y = ctx.xp.tanh(x * 0.5)
        y += 1
        y *= 0.5
        return y

    @staticmethod
    def backward(ctx, g):  # dσ = σ (1 - σ)
        y = ctx.output_value(g)
        return g * (y * (1 - y))


class Relu(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):  # 1 where x > 0, else 0
        return g * (ctx.inputs[0].data > 0)


class Abs(Op):
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, g):  # d|x| = sign(x) (0 at 0, as PyTorch)
        return g * ctx.xp.sign(ctx.inputs[0].data)


class Clip(Op):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return ctx.xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):  # gradient passes where lo <= x <= hi (PyTorch's clamp)
        x = ctx.inputs[0].data
        mask = ctx.xp.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= x >= ctx.lo
        if ctx.hi is not None:
            mask &= x <= ctx.hi
        return g * mask


class Cast(Op):
    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.inputs[0].dtype)


def exp(x):
    """eˣ elementwise."""
    return Exp.apply(floating(x))


def log(x):
    """Natural logarithm elementwise."""
    return Log.apply(floating(x))


def sqrt(x):
    """√x elementwise."""
    return Sqrt.apply(floating(x))


def tanh(x):
    """tanh(x) elementwise."""
    return Tanh.apply(floating(x))


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), computed through tanh (no overflow)."""
    return Sigmoid.apply(floating(x))


def relu(x):
    """max(x, 0) elementwise."""
    return Relu.apply(x)


def abs(x):
    """|x| elementwise (gradient 0 at 0, as PyTorch)."""
    return Abs.apply(x)


def clip(x, lo=None, hi=None):
    """x limited to [lo, hi] (either bound may be None); gradient 1 inside, 0 outside."""
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    return Clip.apply(x, lo=lo, hi=hi)


def cast(x, dtype):
    if x.dtype == dtype:
        return x
    if x._requires_grad and dtype.kind != "f":
        return constant(x.data.astype(dtype))
    return Cast.apply(x, dtype=dtype)
